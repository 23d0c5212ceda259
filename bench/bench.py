#!/usr/bin/env python3
"""Benchmark tapis-probe against curl, wrk and a bash + curl + jq loop on loopback.

bench/run installs the packages, builds a Release tapis-probe and calls this script; see
docs/benchmarks.md for the workloads and targets. Everything runs on 127.0.0.1: an nginx that
this script starts with its own prefix serves static Tapis-like JSON, and bench/poll_server.py
serves the polling workload. Generated suites, configs and reports live in a temporary folder.
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
MIB = 1024 * 1024
TIME = "/usr/bin/time"  # GNU time, Debian package time

# Job-list responses have this many items; the checks assert the length.
LIST_LENGTH = 50
LIST_PATH = "/v3/jobs/list"
HEALTH_PATH = "/v3/jobs/healthcheck"

TARGETS = {
    "w1_ratio": 1.3,
    "w2_ratio": 1.5,
    "w2_rss_mib": 40,
    "w3_wall_s": 32,
    "w3_cpu_share": 0.05,
    "w3_rss_mib": 100,
    "w4_wall_s": 1.0,
    "w4_rss_mib": 200,
    "startup_ratio": 2.0,
}


def log(message: str) -> None:
    print(f"==> {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Running and measuring one command


def read_cpu_seconds(pid: int) -> float | None:
    """Returns user+system CPU seconds of every thread of a live process, from /proc."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()
    # Fields 14 and 15 of proc(5), counted after the command name: utime and stime in ticks.
    ticks = int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def child_pid(pid: int, seconds: float = 5) -> int | None:
    """Returns the first child of a live process, waiting up to `seconds` for it to appear."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            return None
        if children:
            return int(children[0])
        time.sleep(0.01)
    return None


def measure(argv: list[str], stdout_path: Path, cpu_window: tuple[float, float] | None = None,
            env: dict | None = None) -> dict:
    """Runs argv to completion; returns wall time, CPU time and peak RSS.

    The command runs under GNU time, whose own footprint is about 2 MiB: a child forked from
    this Python process would count Python's RSS as its peak. CPU comes from wait4(2) on
    time, which covers every descendant that was waited for, so a shell loop is charged for
    its curl and jq processes; peak RSS is the largest single process of that tree. With
    cpu_window=(a, b), the CPU the command used between a and b seconds after its start is
    sampled from /proc as well.
    """
    rss_path = stdout_path.with_suffix(".rss")
    wrapped = [TIME, "-f", "%M", "-o", str(rss_path), *argv]
    with open(stdout_path, "wb") as out, open(stdout_path.with_suffix(".err"), "wb") as err:
        start = time.perf_counter()
        process = subprocess.Popen(wrapped, stdout=out, stderr=err, env=env)
        window: dict = {}
        sampler = None
        if cpu_window:
            def sample() -> None:
                pid = child_pid(process.pid)
                if pid is None:
                    return
                for key, offset in zip(("start", "end"), cpu_window):
                    delay = start + offset - time.perf_counter()
                    if delay > 0:
                        time.sleep(delay)
                    window[key] = read_cpu_seconds(pid)
            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
    rss_lines = rss_path.read_text().split()
    result = {
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "user_s": usage.ru_utime,
        "sys_s": usage.ru_stime,
        "peak_rss_mib": int(rss_lines[-1]) / 1024 if rss_lines else float("nan"),
        "exit_code": process.returncode,
    }
    if sampler:
        sampler.join(timeout=1)
        if window.get("start") is not None and window.get("end") is not None:
            seconds = cpu_window[1] - cpu_window[0]
            result["window_cpu_share"] = (window["end"] - window["start"]) / seconds
    return result


def free_port() -> int:
    with socket.socket() as probe_socket:
        probe_socket.bind(("127.0.0.1", 0))
        return probe_socket.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with code {process.returncode} at start")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {seconds} s")


def stop_process(process: subprocess.Popen, signum: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        process.send_signal(signum)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# ---------------------------------------------------------------------------------------------
# Servers


def job(index: int) -> dict:
    states = ["FINISHED", "RUNNING", "QUEUED", "FAILED", "STAGING_INPUTS"]
    return {
        "uuid": f"{index:08x}-5a1e-4c0d-9f3b-bench{index:07d}-007",
        "name": f"bench-job-{index}",
        "owner": "testuser",
        "appId": "sim-app",
        "appVersion": "0.0.1",
        "tenant": "dev",
        "status": states[index % len(states)],
        "execSystemId": "sim-storage",
        "archiveSystemId": "sim-storage",
        "created": f"2026-12-04T10:{index % 60:02d}:00.000000Z",
        "ended": None if index % 5 == 1 else f"2026-12-04T11:{index % 60:02d}:30.000000Z",
        "remoteStarted": f"2026-12-04T10:{index % 60:02d}:05.000000Z",
        "lastUpdated": f"2026-12-04T11:{index % 60:02d}:30.000000Z",
        "visible": True,
    }


def write_documents(html: Path) -> None:
    """Writes the static Tapis-like responses that nginx serves."""
    jobs = html / "v3" / "jobs"
    jobs.mkdir(parents=True)
    listing = {
        "status": "success",
        "message": "JOBS_LIST_RETRIEVED Jobs retrieved for user testuser",
        "result": [job(i) for i in range(LIST_LENGTH)],
        "version": "1.6.0",
        "metadata": {"recordCount": LIST_LENGTH, "recordLimit": 100, "recordsSkipped": 0,
                     "orderBy": None, "startAfter": None, "totalCount": -1},
    }
    health = {
        "status": "success",
        "message": "Health check received. All resources are accessible.",
        "result": "",
        "version": "1.6.0",
        "metadata": None,
    }
    (jobs / "list").write_text(json.dumps(listing, indent=1))
    (jobs / "healthcheck").write_text(json.dumps(health))


NGINX_CONFIG = """\
worker_processes 1;
error_log {prefix}/error.log warn;
pid {prefix}/nginx.pid;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  default_type application/json;
  keepalive_requests 1000000;
  keepalive_timeout 120s;
  client_body_temp_path {prefix}/temp/body;
  proxy_temp_path {prefix}/temp/proxy;
  fastcgi_temp_path {prefix}/temp/fastcgi;
  uwsgi_temp_path {prefix}/temp/uwsgi;
  scgi_temp_path {prefix}/temp/scgi;
  server {{
    listen 127.0.0.1:{port} backlog=4096;
    root {prefix}/html;
  }}
}}
"""


class Nginx:
    """nginx on a free loopback port with its own prefix, in the foreground of a child."""

    def __init__(self, work: Path) -> None:
        self.prefix = work / "nginx"
        (self.prefix / "temp").mkdir(parents=True)
        write_documents(self.prefix / "html")
        # A root master runs its worker as nobody, which must read the documents.
        for folder in [work, *self.prefix.rglob("*")]:
            if folder.is_dir():
                folder.chmod(0o755)
        self.port = free_port()
        config = self.prefix / "nginx.conf"
        config.write_text(NGINX_CONFIG.format(prefix=self.prefix, port=self.port))
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        self.process = subprocess.Popen(
            [binary, "-p", str(self.prefix), "-e", str(self.prefix / "error.log"),
             "-c", str(config), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.port, self.process)
        self.base_url = f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        stop_process(self.process, signal.SIGQUIT)


class PollServer:
    def __init__(self, ready_after: float, log_path: Path) -> None:
        self.log_file = open(log_path, "ab")
        self.process = subprocess.Popen(
            [sys.executable, str(BENCH_DIR / "poll_server.py"), "--ready-after", str(ready_after)],
            stdout=subprocess.PIPE, stderr=self.log_file)
        line = self.process.stdout.readline().decode().strip()
        if not line.startswith("listening on "):
            raise RuntimeError(f"the poll server did not start (first line: '{line}')")
        self.base_url = line.removeprefix("listening on ")

    def stats(self) -> dict:
        with urllib.request.urlopen(self.base_url + "/stats", timeout=5) as response:
            return json.load(response)

    def stop(self) -> None:
        stop_process(self.process)
        self.log_file.close()


# ---------------------------------------------------------------------------------------------
# Workload files


def checks(count: int) -> list[tuple[str, int | None]]:
    """Returns (path, expected list length or None) for each check: lists and health checks."""
    return [(LIST_PATH, LIST_LENGTH) if i % 2 == 0 else (HEALTH_PATH, None) for i in range(count)]


def write_check_suite(path: Path, name: str, count: int, parallel: bool) -> None:
    lines = [f"name: {name}", f"parallel: {'true' if parallel else 'false'}", "tests:"]
    for i, (url, length) in enumerate(checks(count)):
        lines += [
            f"  - name: check {i + 1:05d}",
            "    steps:",
            f"      - request: {{url: {url}}}",
            "        assert:",
            "          status: 200",
            "          json:",
            "            $.status: success",
        ]
        if length is not None:
            lines.append(f"            $.result: {{length: {length}}}")
    path.write_text("\n".join(lines) + "\n")


def write_curl_config(path: Path, base_url: str, count: int) -> None:
    lines = []
    for url, _ in checks(count):
        lines += [f'url = "{base_url}{url}"', 'output = "/dev/null"']
    path.write_text("\n".join(lines) + "\n")


def write_loop_input(path: Path, base_url: str, count: int) -> None:
    path.write_text("".join(f"{base_url}{url} {'-' if length is None else length}\n"
                            for url, length in checks(count)))


WRK_SCRIPT = """\
-- Alternates the job list and the health check, as the other tools do, and prints a
-- JSON summary for bench/bench.py.
local paths = {{"{list}", "{health}"}}
local requests_text = {{}}
local counter = 0
init = function(args)
  for i, path in ipairs(paths) do requests_text[i] = wrk.format("GET", path) end
end
request = function()
  counter = counter + 1
  return requests_text[(counter % 2) + 1]
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{{"requests": %d, "duration_us": %d, "errors": %d}}\\n', summary.requests,
    summary.duration, e.connect + e.read + e.write + e.status + e.timeout))
end
"""


def write_poll_suite(path: Path, count: int) -> None:
    lines = ["name: polls", "parallel: true", "tests:"]
    for i in range(count):
        lines += [
            f"  - name: wait for job {i + 1:05d}",
            "    steps:",
            f"      - request: {{url: /v3/jobs/bench-{i + 1:05d}/status}}",
            "        poll:",
            "          interval: 1s",
            "          backoff: 1",
            "          timeout: 60s",
            "          until:",
            "            json: {$.result.status: FINISHED}",
            "        assert:",
            "          status: 200",
            "          json: {$.result.status: FINISHED}",
        ]
    path.write_text("\n".join(lines) + "\n")


def write_validate_suite(path: Path, count: int) -> None:
    """Writes a large suite of varied but valid tests: captures, polls, cleanup, variables."""
    lines = [
        "name: validate-large",
        "description: A generated suite for the load-and-validate benchmark.",
        "tags: [bench]",
        "variables:",
        "  page_size: 10",
        "defaults:",
        "  timeout: 10s",
        "  headers: {Accept: application/json}",
        "tests:",
    ]
    for i in range(count):
        lines += [
            f"  - name: scenario {i + 1:05d}",
            "    tags: [generated]",
            "    steps:",
            "      - name: list",
            "        request:",
            f"          url: {LIST_PATH}",
            '          query: {limit: "${page_size}"}',
            "        assert:",
            "          status: [200, 203]",
            "          headers: {Content-Type: {contains: json}}",
            "          json:",
            "            $.status: success",
            "            $.result: {type: array, length: {le: 100}}",
            "            $.result[0].uuid: {matches: '^[0-9a-f-]+$'}",
            "        capture:",
            "          first_uuid: $.result[0].uuid",
        ]
        if i % 4 == 0:
            lines += [
                "      - name: wait",
                "        request: {url: \"/v3/jobs/${first_uuid}/status\"}",
                "        poll:",
                "          interval: 1s",
                "          timeout: 5m",
                "          until: {json: {$.result.status: FINISHED}}",
                "          fail_when: {json: {$.result.status: {in: [FAILED, CANCELLED]}}}",
            ]
        if i % 10 == 0:
            lines += [
                "    cleanup:",
                "      - name: delete",
                "        request: {method: DELETE, url: \"/v3/jobs/${first_uuid}\"}",
                "        assert: {status: [200, 404]}",
            ]
    path.write_text("\n".join(lines) + "\n")


def write_site(path: Path, base_url: str) -> None:
    path.write_text(f"name: bench\nbase_url: {base_url}\ntenant: dev\ntimeout: 10s\n")


# ---------------------------------------------------------------------------------------------
# Tools


class Bench:
    def __init__(self, args: argparse.Namespace, work: Path) -> None:
        self.args = args
        self.work = work
        self.probe = str(Path(args.probe).resolve())
        self.curl = shutil.which("curl")
        self.wrk = shutil.which("wrk")
        self.runs = work / "runs"
        self.runs.mkdir()
        self.counter = 0
        self.results: dict = {}
        self.failures: list[str] = []

    def output_path(self, label: str) -> Path:
        self.counter += 1
        return self.runs / f"{self.counter:05d}-{label}.out"

    def record(self, workload: str, tool: str, run: dict) -> None:
        self.results.setdefault(workload, {}).setdefault(tool, []).append(run)

    def fail(self, message: str) -> None:
        log(f"WRONG RESULT: {message}")
        self.failures.append(message)

    # Each run_* method runs one tool once, checks what it produced, and returns the
    # measurement (or None when the tool produced a wrong result).

    def run_probe(self, label: str, suite: Path, site: Path, count: int, jobs: int,
                  cpu_window=None, extra_args=(), incomplete_ok=False) -> dict | None:
        """Runs tapis-probe; with incomplete_ok, a run that ended with tests failed or
        skipped (cut by --max-time) is a measurement, and its "passed" count tells."""
        report_dir = self.work / "reports" / label
        argv = [self.probe, "run", str(suite), "--site", str(site), "--report-dir",
                str(report_dir), "-q", "-j", str(jobs), *extra_args]
        out = self.output_path(label)
        run = measure(argv, out, cpu_window=cpu_window)
        match = re.search(r"(\d+) tests: (\d+) passed", out.read_text(errors="replace"))
        run["passed"] = int(match.group(2)) if match else None
        if run["exit_code"] == 0 and run["passed"] == count:
            return run
        if incomplete_ok and run["passed"] is not None and run["exit_code"] in (0, 1):
            log(f"{label}: {run['passed']} of {count} tests passed")
            return run
        self.fail(f"{label}: exit code {run['exit_code']}, expected '{count} tests: {count} "
                  f"passed' in {out}")
        return None

    def run_curl(self, label: str, config: Path, count: int, parallel: int | None) -> dict | None:
        argv = [self.curl, "-s", "-w", "%{http_code}\\n", "-K", str(config)]
        if parallel:
            argv[1:1] = ["--parallel", "--parallel-max", str(parallel)]
        out = self.output_path(label)
        run = measure(argv, out)
        codes = out.read_text().split()
        if run["exit_code"] != 0 or len(codes) != count or set(codes) != {"200"}:
            self.fail(f"{label}: exit code {run['exit_code']}, {len(codes)} responses, "
                      f"codes {sorted(set(codes))} (see {out})")
            return None
        return run

    def run_wrk(self, label: str, base_url: str, count: int, connections: int) -> dict | None:
        threads = min(connections, os.cpu_count() or 1)
        argv = [self.wrk, "-t", str(threads), "-c", str(connections), "-d",
                f"{self.args.wrk_seconds}s", "-s", str(self.work / "alternate.lua"), base_url]
        out = self.output_path(label)
        run = measure(argv, out)
        summary = None
        for line in out.read_text().splitlines():
            if line.startswith("{"):
                summary = json.loads(line)
        if run["exit_code"] != 0 or not summary or summary["errors"] or not summary["requests"]:
            self.fail(f"{label}: exit code {run['exit_code']}, summary {summary} (see {out})")
            return None
        # wrk runs for a fixed time, so its figures are scaled to the workload's check count.
        scale = count / summary["requests"]
        run["measured_requests"] = summary["requests"]
        run["measured_wall_s"] = run["wall_s"]
        run["wall_s"] = summary["duration_us"] / 1e6 * scale
        run["cpu_s"] *= scale
        run["scaled"] = True
        return run

    def run_loop(self, label: str, loop_input: Path, count: int) -> dict | None:
        out = self.output_path(label)
        run = measure(["bash", str(BENCH_DIR / "curl-jq-loop"), str(loop_input)], out)
        expected = f"{count} passed, 0 failed"
        if run["exit_code"] != 0 or expected not in out.read_text():
            self.fail(f"{label}: exit code {run['exit_code']}, expected '{expected}' in {out}")
            return None
        return run


# ---------------------------------------------------------------------------------------------
# Workloads


def rotate(items: list, shift: int) -> list:
    shift %= len(items)
    return items[shift:] + items[:shift]


def check_workloads(bench: Bench, nginx: Nginx) -> None:
    """W1 and W2: every tool, interleaved within each pass, the order rotated per pass."""
    args, work = bench.args, bench.work
    site = work / "site.yaml"
    write_site(site, nginx.base_url)
    (work / "alternate.lua").write_text(WRK_SCRIPT.format(list=LIST_PATH, health=HEALTH_PATH))

    plans = []
    for workload, count, parallel in (("W1", args.w1_checks, False),
                                      ("W2", args.w2_checks, False),
                                      ("W2-parallel", args.w2_checks, True)):
        if workload.split("-")[0].lower() not in args.workloads:
            continue
        suite = work / f"{workload}.yaml"
        config = work / f"{workload}.curl"
        loop_input = work / f"{workload}.urls"
        write_check_suite(suite, workload.lower(), count, parallel)
        write_curl_config(config, nginx.base_url, count)
        write_loop_input(loop_input, nginx.base_url, count)
        jobs = args.jobs
        if parallel:
            tools = {
                f"tapis-probe -j {jobs}":
                    lambda l, s=suite, c=count: bench.run_probe(l, s, site, c, jobs),
                f"curl --parallel-max {jobs}":
                    lambda l, f=config, c=count: bench.run_curl(l, f, c, jobs),
                "wrk -c 32": lambda l, c=count: bench.run_wrk(l, nginx.base_url, c, 32),
            }
            floor = f"curl --parallel-max {jobs}"
        else:
            tools = {
                "tapis-probe": lambda l, s=suite, c=count: bench.run_probe(l, s, site, c, 1),
                "curl": lambda l, f=config, c=count: bench.run_curl(l, f, c, None),
                "wrk -c 1": lambda l, c=count: bench.run_wrk(l, nginx.base_url, c, 1),
            }
            if not args.no_loop and workload == "W1":
                tools["bash+curl+jq"] = lambda l, u=loop_input, c=count: bench.run_loop(l, u, c)
            floor = "curl"
        plans.append((workload, count, tools, floor))

    if not plans:
        return
    log("warm-up: each tool once on each check workload")
    for workload, _, tools, _ in plans:
        for tool, run in tools.items():
            if tool != "bash+curl+jq":
                run(f"warmup-{workload}-{tool}".replace(" ", "_"))

    for index in range(args.passes):
        log(f"pass {index + 1}/{args.passes}: {', '.join(p[0] for p in plans)}")
        for workload, _, tools, _ in plans:
            for tool in rotate(list(tools), index):
                label = f"{workload}-{tool}-{index + 1}".replace(" ", "_")
                run = tools[tool](label)
                if run:
                    bench.record(workload, tool, run)
    for workload, count, _, floor in plans:
        bench.results[workload]["_meta"] = {"checks": count, "floor": floor}


def max_jobs(probe: str) -> int:
    """Returns the largest -j that `tapis-probe run` accepts, from its help text."""
    text = subprocess.run([probe, "run", "--help"], capture_output=True, text=True).stdout
    match = re.search(r"--jobs INT:INT in \[1 - (\d+)\]", text)
    return int(match.group(1)) if match else 1000


def poll_workload(bench: Bench) -> None:
    """W3: 1,000 tests that each poll their own job once a second until it finishes at 30 s."""
    args, work = bench.args, bench.work
    suite = work / "W3.yaml"
    write_poll_suite(suite, args.w3_tests)
    ready_after = args.w3_ready_after
    # CPU is sampled while every poll waits: after start-up, before the first job is ready.
    window = (min(5.0, ready_after / 6), ready_after - min(5.0, ready_after / 6))
    if args.w3_jobs is None:
        args.w3_jobs = min(args.jobs, max_jobs(bench.probe))
    # An engine whose waiting polls hold their -j slots would take hours at -j 8, so the run
    # is cut well after the target; tests not started then are reported skipped.
    max_time = 2 * ready_after + 10
    for index in range(args.w3_passes):
        log(f"W3 pass {index + 1}/{args.w3_passes}: {args.w3_tests} polls, ready after "
            f"{ready_after:g} s, -j {args.w3_jobs}")
        server = PollServer(ready_after, work / "poll_server.log")
        try:
            site = work / "site-poll.yaml"
            write_site(site, server.base_url)
            label = f"W3-tapis-probe-{index + 1}"
            run = bench.run_probe(label, suite, site, args.w3_tests, args.w3_jobs,
                                  cpu_window=window, extra_args=["--max-time", f"{max_time:g}"],
                                  incomplete_ok=True)
            stats = server.stats()
        finally:
            server.stop()
        if run:
            run["server"] = stats
            run["polls_per_s"] = stats["requests"] / run["wall_s"]
            if run["passed"] == args.w3_tests and stats["finished_responses"] != args.w3_tests:
                bench.fail(f"{label}: the server sent {stats['finished_responses']} FINISHED "
                           f"answers for {args.w3_tests} tests")
            bench.record("W3", f"tapis-probe -j {args.w3_jobs}", run)
    if "W3" in bench.results:
        bench.results["W3"]["_meta"] = {"checks": args.w3_tests, "floor": None,
                                        "ready_after_s": ready_after, "cpu_window_s": window,
                                        "max_time_s": max_time}


def validate_workload(bench: Bench) -> None:
    """W4: load and validate a 10,000-test suite without sending a request."""
    args, work = bench.args, bench.work
    # CLI11 answers "validate --help" with the main help when there is no such subcommand,
    # so the subcommand list of the main help is what tells.
    main_help = subprocess.run([bench.probe, "--help"], capture_output=True, text=True).stdout
    if not re.search(r"^\s+validate\b", main_help, re.MULTILINE):
        message = "W4 skipped: this tapis-probe has no 'validate' command"
        log(message)
        bench.results["W4"] = {"_meta": {"skipped": message}}
        return
    help_run = subprocess.run([bench.probe, "validate", "--help"], capture_output=True, text=True)
    suite = work / "W4.yaml"
    write_validate_suite(suite, args.w4_tests)
    site = work / "site-validate.yaml"
    write_site(site, "http://127.0.0.1:9")
    argv = [bench.probe, "validate", str(suite)]
    if "--site" in help_run.stdout:
        argv += ["--site", str(site)]
    for index in range(args.passes):
        label = f"W4-tapis-probe-{index + 1}"
        out = bench.output_path(label)
        run = measure(argv, out)
        expected = f"{args.w4_tests} tests"
        if run["exit_code"] != 0 or expected not in out.read_text(errors="replace"):
            bench.fail(f"{label}: exit code {run['exit_code']}, expected '{expected}' in {out}")
            continue
        bench.record("W4", "tapis-probe validate", run)
    suite_mib = suite.stat().st_size / MIB
    bench.results.setdefault("W4", {})["_meta"] = {
        "checks": args.w4_tests, "floor": None, "suite_mib": round(suite_mib, 2),
        "command": " ".join(argv[:2]) + " SUITE" + (" --site SITE" if "--site" in argv else "")}


def startup_workload(bench: Bench, nginx: Nginx | None) -> None:
    """Start-up: --version of both programs, and a suite of one check against nginx."""
    args, work = bench.args, bench.work
    commands = {
        "curl --version": [bench.curl, "--version"],
        "tapis-probe --version": [bench.probe, "--version"],
    }
    if nginx:
        suite = work / "one.yaml"
        site = work / "site.yaml"
        write_site(site, nginx.base_url)
        write_check_suite(suite, "one", 1, False)
        commands["curl, one URL"] = [bench.curl, "-s", "-o", "/dev/null",
                                     nginx.base_url + HEALTH_PATH]
        commands["tapis-probe, one-check suite"] = [
            bench.probe, "run", str(suite), "--site", str(site), "--report-dir",
            str(work / "reports" / "one"), "-q"]
    out = work / "startup.out"
    for index in range(args.passes):
        for _ in range(args.startup_repeats):
            for name in rotate(list(commands), index):
                run = measure(commands[name], out)
                if run["exit_code"] != 0:
                    bench.fail(f"start-up: '{name}' exited {run['exit_code']}")
                    return
                bench.record("start-up", name, run)
    bench.results["start-up"]["_meta"] = {"floor": "curl --version",
                                          "repeats": args.passes * args.startup_repeats}


# ---------------------------------------------------------------------------------------------
# Summaries and targets


def summarize(runs: list[dict]) -> dict:
    summary = {
        "runs": len(runs),
        "wall_s": statistics.median(r["wall_s"] for r in runs),
        "wall_min_s": min(r["wall_s"] for r in runs),
        "wall_max_s": max(r["wall_s"] for r in runs),
        "cpu_s": statistics.median(r["cpu_s"] for r in runs),
        "peak_rss_mib": max(r["peak_rss_mib"] for r in runs),
    }
    shares = [r["window_cpu_share"] for r in runs if "window_cpu_share" in r]
    if shares:
        # The median, as for wall and CPU time; the extremes are kept to show the spread.
        summary["window_cpu_share"] = statistics.median(shares)
        summary["window_cpu_share_min"] = min(shares)
        summary["window_cpu_share_max"] = max(shares)
    if any("polls_per_s" in r for r in runs):
        summary["polls_per_s"] = statistics.median(r["polls_per_s"] for r in runs)
    if any("passed" in r for r in runs):
        summary["min_passed"] = min(r["passed"] for r in runs)
    return summary


def summaries(results: dict) -> dict:
    table = {}
    for workload, tools in results.items():
        meta = tools.get("_meta", {})
        entry = {"meta": meta, "tools": {}}
        for tool, runs in tools.items():
            if tool == "_meta" or not runs:
                continue
            entry["tools"][tool] = summarize(runs)
        floor = meta.get("floor")
        if floor and floor in entry["tools"]:
            base = entry["tools"][floor]
            for summary in entry["tools"].values():
                summary["ratio_to_floor"] = summary["wall_s"] / base["wall_s"]
                if base["cpu_s"] > 0:
                    summary["cpu_ratio_to_floor"] = summary["cpu_s"] / base["cpu_s"]
        table[workload] = entry
    return table


def evaluate_targets(table: dict, args: argparse.Namespace) -> list[dict]:
    targets = []

    def add(name: str, value: float | None, limit: float, unit: str, note: str = "",
            inclusive: bool = False, skipped: bool = False) -> None:
        """Adds a target: value < limit, or value <= limit for "within" targets."""
        passed = value is not None and (value <= limit if inclusive else value < limit)
        targets.append({"target": name, "value": value, "limit": limit, "unit": unit,
                        "pass": passed, "skipped": skipped, "note": note})

    def tool(workload: str, name: str) -> dict | None:
        return table.get(workload, {}).get("tools", {}).get(name)

    if "W1" in table:
        probe = tool("W1", "tapis-probe")
        add("W1 sequential wall / curl floor", probe and probe.get("ratio_to_floor"),
            TARGETS["w1_ratio"], "x", inclusive=True)
    if "W2-parallel" in table:
        probe = tool("W2-parallel", f"tapis-probe -j {args.jobs}")
        add(f"W2 -j {args.jobs} wall / curl --parallel-max {args.jobs}",
            probe and probe.get("ratio_to_floor"), TARGETS["w2_ratio"], "x", inclusive=True)
        add(f"W2 -j {args.jobs} peak RSS", probe and probe["peak_rss_mib"],
            TARGETS["w2_rss_mib"], "MiB")
    if "W3" in table:
        probe = tool("W3", f"tapis-probe -j {args.w3_jobs}")
        # The 32 s limit is for a 30 s readiness delay; other delays keep the 2 s margin.
        limit = args.w3_ready_after + (TARGETS["w3_wall_s"] - 30)
        complete = probe and probe["min_passed"] == args.w3_tests
        note = "" if complete or not probe else (
            f"{probe['min_passed']} of {args.w3_tests} tests passed in the worst pass")
        add(f"W3 {args.w3_tests} polls done (slowest pass)",
            probe["wall_max_s"] if complete else None, limit, "s", note, inclusive=True)
        add("W3 CPU while waiting (share of one core, median)",
            probe and probe.get("window_cpu_share"),
            TARGETS["w3_cpu_share"], "share")
        add("W3 peak RSS", probe and probe["peak_rss_mib"], TARGETS["w3_rss_mib"], "MiB")
    if "W4" in table:
        probe = tool("W4", "tapis-probe validate")
        note = table["W4"]["meta"].get("skipped", "")
        add(f"W4 validate {args.w4_tests} tests wall", probe and probe["wall_s"],
            TARGETS["w4_wall_s"], "s", note, skipped=bool(note))
        add("W4 peak RSS", probe and probe["peak_rss_mib"], TARGETS["w4_rss_mib"], "MiB", note,
            skipped=bool(note))
    if "start-up" in table:
        for name in ("tapis-probe --version", "tapis-probe, one-check suite"):
            probe = tool("start-up", name)
            if probe:
                add(f"start-up: {name} / curl --version", probe.get("ratio_to_floor"),
                    TARGETS["startup_ratio"], "x", inclusive=True)
    return targets


def format_value(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    if unit == "share":
        return f"{value * 100:.2f} %"
    if unit == "x":
        return f"{value:.2f}x"
    return f"{value:.3g} {unit}" if unit == "s" else f"{value:.1f} {unit}"


def markdown(table: dict, targets: list[dict], info: dict) -> str:
    lines = [f"Run of {info['date']} on {info['machine']['cpu']} "
             f"({info['machine']['cores']} cores), {info['probe_version']} "
             f"at {info['commit']}; {info['passes']} passes, medians.", ""]
    lines += ["| workload | tool | wall (median) | min–max | CPU s | peak RSS MiB | wall vs floor "
              "| CPU vs floor |", "|---|---|---:|---:|---:|---:|---:|---:|"]
    for workload, entry in table.items():
        meta = entry["meta"]
        if meta.get("skipped"):
            lines.append(f"| {workload} | {meta['skipped']} | | | | | | |")
            continue
        for name, s in entry["tools"].items():
            wall = s["wall_s"]
            text = f"{wall * 1000:.1f} ms" if wall < 10 else f"{wall:.2f} s"
            spread = (f"{s['wall_min_s'] * 1000:.1f}–{s['wall_max_s'] * 1000:.1f} ms"
                      if wall < 10 else f"{s['wall_min_s']:.2f}–{s['wall_max_s']:.2f} s")
            ratio = f"{s['ratio_to_floor']:.2f}x" if "ratio_to_floor" in s else ""
            cpu_ratio = f"{s['cpu_ratio_to_floor']:.2f}x" if "cpu_ratio_to_floor" in s else ""
            marker = " (floor)" if name == meta.get("floor") else ""
            scaled = "*" if name.startswith("wrk") else ""
            lines.append(f"| {workload} | {name}{marker}{scaled} | {text} | {spread} | "
                         f"{s['cpu_s']:.3f} | {s['peak_rss_mib']:.1f} | {ratio} | {cpu_ratio} |")
    lines.append("")
    if any(name.startswith("wrk") for entry in table.values() for name in entry["tools"]):
        lines += ["\\* wrk runs for a fixed time; its wall and CPU are scaled to the "
                  "workload's check count.", ""]
    if "W3" in table:
        for name, s in table["W3"]["tools"].items():
            spread = ""
            if "window_cpu_share_min" in s:
                spread = (f", {s['window_cpu_share_min'] * 100:.2f}–"
                          f"{s['window_cpu_share_max'] * 100:.2f} % over the passes")
            lines.append(f"W3 ({name}): {s.get('polls_per_s', 0):.0f} polls/s on average, "
                         f"CPU while waiting {s.get('window_cpu_share', 0) * 100:.2f} % of one "
                         f"core (median; window {table['W3']['meta']['cpu_window_s'][0]:g}–"
                         f"{table['W3']['meta']['cpu_window_s'][1]:g} s{spread}).")
        lines.append("")
    lines += ["| target | measured | limit | result |", "|---|---:|---:|---|"]
    for t in targets:
        verdict = "PASS" if t["pass"] else ("SKIPPED" if t["skipped"] else "FAIL")
        measured = format_value(t["value"], t["unit"]) if t["value"] is not None else t["note"]
        lines.append(f"| {t['target']} | {measured or 'n/a'} | "
                     f"{format_value(t['limit'], t['unit'])} | {verdict} |")
    lines += ["", *machine_markdown(info)]
    return "\n".join(lines) + "\n"


def machine_markdown(info: dict) -> list[str]:
    """Returns the machine section: lscpu's main lines, the kernel and package versions."""
    machine = info["machine"]
    keys = ("Architecture", "Model name", "CPU(s)", "Thread(s) per core", "CPU MHz",
            "BogoMIPS", "Hypervisor vendor", "L2 cache", "L3 cache")
    lines = ["Machine:", "", "```"]
    for line in machine["lscpu"].splitlines():
        if line.split(":", 1)[0].strip() in keys:
            lines.append(" ".join(line.split()))
    lines.append(f"Kernel: {machine['kernel']}")
    lines.append("Packages: " + ", ".join(f"{name} {version}"
                                          for name, version in machine["packages"].items()))
    lines.append(f"Python: {machine['python']}; load average at the start: "
                 f"{machine['load_average']}")
    lines.append("```")
    return lines


def command_output(argv: list[str]) -> str:
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


def machine_info(args: argparse.Namespace, probe: str) -> dict:
    lscpu = command_output(["lscpu"])
    cpu = next((line.split(":", 1)[1].strip() for line in lscpu.splitlines()
                if line.startswith("Model name")), platform.processor())
    packages = {}
    for package in ("nginx", "curl", "libcurl4", "wrk", "jq", "nlohmann-json3-dev",
                    "libyaml-0-2", "g++-12"):
        version = command_output(["dpkg-query", "-W", "-f=${Version}", package])
        if version:
            packages[package] = version
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": {"cpu": cpu, "cores": os.cpu_count(), "kernel": platform.release(),
                    "lscpu": lscpu, "packages": packages,
                    "load_average": " ".join(f"{load:.2f}" for load in os.getloadavg()),
                    "python": platform.python_version()},
        "probe": probe,
        "probe_version": command_output([probe, "--version"]),
        "commit": command_output(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"]),
        "passes": args.passes,
    }


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--probe", default=str(ROOT / "build-bench" / "tapis-probe"),
                        help="tapis-probe binary to measure (default: build-bench/tapis-probe)")
    parser.add_argument("--out", default=str(ROOT / "build-bench" / "results"),
                        help="folder for results.json and results.md")
    parser.add_argument("--quick", action="store_true",
                        help="for iterating: 3 passes, wrk for 1 s, no bash loop, W3 once "
                        "with a 10 s readiness delay")
    parser.add_argument("--passes", type=int, help="passes over W1, W2, W4 and start-up "
                        "(default 5, quick 3)")
    parser.add_argument("--workloads", default="w1,w2,w3,w4,startup",
                        help="comma-separated subset of w1,w2,w3,w4,startup")
    parser.add_argument("--jobs", type=int, default=8,
                        help="parallelism of W2 for tapis-probe -j and curl --parallel-max")
    parser.add_argument("--w1-checks", type=int, default=200)
    parser.add_argument("--w2-checks", type=int, default=2000)
    parser.add_argument("--w3-tests", type=int, default=1000)
    parser.add_argument("--w3-jobs", type=int,
                        help="tapis-probe -j for W3 (default: --jobs, capped at the maximum "
                        "that 'run --help' states)")
    parser.add_argument("--w3-ready-after", type=float,
                        help="seconds until each polled job finishes (default 30, quick 10)")
    parser.add_argument("--w3-passes", type=int, help="W3 passes (default 3, quick 1)")
    parser.add_argument("--w4-tests", type=int, default=10000)
    parser.add_argument("--wrk-seconds", type=int,
                        help="duration of each wrk run in seconds (default 2, quick 1)")
    parser.add_argument("--startup-repeats", type=int, default=10,
                        help="start-up runs of each command per pass")
    parser.add_argument("--no-loop", action="store_true",
                        help="leave out the bash + curl + jq loop (the slowest tool)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target fails")
    args = parser.parse_args()
    args.passes = args.passes or (3 if args.quick else 5)
    args.wrk_seconds = args.wrk_seconds or (1 if args.quick else 2)
    args.no_loop = args.no_loop or args.quick
    args.w3_passes = args.w3_passes or (1 if args.quick else 3)
    args.w3_ready_after = args.w3_ready_after or (10.0 if args.quick else 30.0)
    args.workloads = {w.strip().lower() for w in args.workloads.split(",") if w.strip()}
    unknown = args.workloads - {"w1", "w2", "w3", "w4", "startup"}
    if unknown:
        parser.error(f"unknown workload(s) {', '.join(sorted(unknown))}; "
                     "use w1, w2, w3, w4 or startup")
    return args


def exit_on_signal(signum: int, _frame) -> None:
    # SystemExit runs the finally blocks that stop nginx and the poll server.
    raise SystemExit(128 + signum)


def main() -> int:
    args = parse_args()
    signal.signal(signal.SIGTERM, exit_on_signal)
    if not os.access(args.probe, os.X_OK):
        log(f"tapis-probe not found at {args.probe}; build it or pass --probe")
        return 2
    for program in ("curl", "wrk", "jq", "bash", TIME):
        if not shutil.which(program):
            log(f"'{program}' is missing; bench/run installs it with apt-get")
            return 2

    with tempfile.TemporaryDirectory(prefix="tapis-probe-bench-") as temporary:
        work = Path(temporary)
        bench = Bench(args, work)
        info = machine_info(args, bench.probe)
        nginx = None
        try:
            if args.workloads & {"w1", "w2", "startup"}:
                nginx = Nginx(work)
                log(f"nginx serves {nginx.base_url}")
            if nginx and args.workloads & {"w1", "w2"}:
                check_workloads(bench, nginx)
            if "w3" in args.workloads:
                poll_workload(bench)
            if "w4" in args.workloads:
                validate_workload(bench)
            if "startup" in args.workloads:
                startup_workload(bench, nginx)
        finally:
            if nginx:
                nginx.stop()
            if bench.failures:
                kept = Path(args.out) / "failed-run"
                shutil.rmtree(kept, ignore_errors=True)
                shutil.copytree(work, kept, ignore=shutil.ignore_patterns("html"))
                log(f"outputs of the run kept in {kept}")

        table = summaries(bench.results)
        targets = evaluate_targets(table, args)
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        document = {**info, "config": {k: (sorted(v) if isinstance(v, set) else v)
                                       for k, v in vars(args).items()},
                    "targets": TARGETS, "summary": table, "target_results": targets,
                    "runs": bench.results, "wrong_results": bench.failures}
        (out / "results.json").write_text(json.dumps(document, indent=2) + "\n")
        text = markdown(table, targets, info)
        (out / "results.md").write_text(text)
        print(text)
        log(f"wrote {out / 'results.json'} and {out / 'results.md'}")

    if bench.failures:
        log(f"{len(bench.failures)} run(s) produced wrong results; their figures are left out")
        return 1
    if args.strict and not all(t["pass"] for t in targets if not t["skipped"]):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
