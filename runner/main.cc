// tapis-probe: runs YAML suites of HTTP checks against a Tapis site and writes reports.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <deque>
#include <future>
#include <iostream>

#include "console.h"
#include "executor.h"
#include "exit_code.h"
#include "logging.h"
#include "report.h"
#include "site.h"
#include "suite_loader.h"
#include "waiter.h"

namespace {

using namespace probe;

std::atomic<bool> g_interrupted{false};
std::atomic<bool> g_hard_stop{false};
std::atomic<int> g_signal{0};

// The first signal stops the run but lets cleanup steps finish; a second one stops those too.
void on_signal(int signal_number) {
  if (g_interrupted.load())
    g_hard_stop.store(true);
  int expected = 0;
  g_signal.compare_exchange_strong(expected, signal_number);
  g_interrupted.store(true);
  notify_interrupt();
}

void install_signal_handlers() {
  struct sigaction action = {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  // A closed standard output (tapis-probe ... | head) must not kill the run before the reports
  // are written; writes to it then fail quietly.
  signal(SIGPIPE, SIG_IGN);
}

struct RunCommand {
  std::vector<std::string> paths;
  std::vector<std::string> sites;
  std::vector<std::string> variables;
  std::string report_dir = "reports";
  std::string junit;
  std::string tap;
  bool quiet = false;
  bool verbose = false;
  double max_time = 0;
  double max_body_mib = 64;
  double cleanup_grace = 20;
  int jobs = 1;
};

void print_diagnostics(const Diagnostics& diagnostics) {
  for (const Diagnostic& diagnostic : diagnostics)
    std::cerr << format_diagnostic(diagnostic);
}

std::expected<std::vector<std::pair<std::string, std::string>>, std::string> parse_variables(
    const std::vector<std::string>& assignments) {
  std::vector<std::pair<std::string, std::string>> variables;
  for (const std::string& assignment : assignments) {
    size_t equals = assignment.find('=');
    if (equals == std::string::npos || equals == 0)
      return std::unexpected(fmt::format("invalid --var '{}': expected NAME=VALUE", assignment));
    variables.emplace_back(assignment.substr(0, equals), assignment.substr(equals + 1));
  }
  return variables;
}

std::expected<std::vector<Suite>, Diagnostics> load_suites(const std::vector<std::string>& paths) {
  auto files = find_suite_files(paths);
  if (!files)
    return std::unexpected(files.error());
  std::vector<Suite> suites;
  Diagnostics diagnostics;
  for (const std::string& file : *files) {
    auto suite = load_suite(file);
    if (!suite) {
      diagnostics.insert(diagnostics.end(), suite.error().begin(), suite.error().end());
      continue;
    }
    suites.push_back(std::move(*suite));
  }
  if (!diagnostics.empty())
    return std::unexpected(std::move(diagnostics));
  return suites;
}

// Loads every site file; with none given, fails. Two sites may not share a name, because
// reports tell their results apart by it.
std::expected<std::vector<Site>, Diagnostics> load_sites(const std::vector<std::string>& paths) {
  std::vector<Site> sites;
  Diagnostics diagnostics;
  for (const std::string& path : paths) {
    auto site = load_site(path);
    if (!site) {
      diagnostics.insert(diagnostics.end(), site.error().begin(), site.error().end());
      continue;
    }
    for (const Site& earlier : sites) {
      if (earlier.name == site->name) {
        Diagnostic duplicate;
        duplicate.location.file = site->file;
        duplicate.message = fmt::format("site name '{}' is also the name of site file '{}'",
                                        site->name, earlier.file);
        duplicate.hint = "give each site file passed with --site its own 'name'";
        diagnostics.push_back(std::move(duplicate));
      }
    }
    sites.push_back(std::move(*site));
  }
  if (!diagnostics.empty())
    return std::unexpected(std::move(diagnostics));
  return sites;
}

// Copies of the suites named "SITE: SUITE", for a run over several sites.
std::vector<Suite> suites_named_for(const std::vector<Suite>& suites, const Site& site) {
  std::vector<Suite> named = suites;
  for (Suite& suite : named)
    suite.name = site.name + ": " + suite.name;
  return named;
}

int write_reports(const RunCommand& command, const RunResult& run) {
  std::string junit =
      command.junit.empty() ? command.report_dir + "/tapis-probe.xml" : command.junit;
  std::string tap = command.tap.empty() ? command.report_dir + "/tapis-probe.tap" : command.tap;
  JunitReporter junit_reporter;
  TapReporter tap_reporter;
  auto write = [&run](const std::string& path, const Reporter& reporter) {
    return write_file_atomically(path, [&](std::ostream& out) { reporter.write(run, out); });
  };
  // Both reports are written at once, so their fsync calls overlap.
  auto junit_written = std::async(std::launch::async, write, junit, std::cref(junit_reporter));
  auto tap_written = write(tap, tap_reporter);
  int status = kExitPassed;
  for (const auto& written : {junit_written.get(), tap_written}) {
    if (!written) {
      std::cerr << "error: " << written.error() << "\n";
      status = kExitReportFailed;
    }
  }
  if (status == kExitPassed && !command.quiet)
    std::cout << "reports: " << junit << ", " << tap << "\n";
  return status;
}

int run(const RunCommand& command) {
  Verbosity verbosity = command.quiet     ? Verbosity::quiet
                        : command.verbose ? Verbosity::verbose
                                          : Verbosity::normal;
  init_logging(verbosity);
  auto variables = parse_variables(command.variables);
  if (!variables) {
    std::cerr << "error: " << variables.error() << "\n";
    return kExitInvalid;
  }
  auto sites = load_sites(command.sites);
  auto suites = load_suites(command.paths);
  if (!sites || !suites) {
    if (!sites)
      print_diagnostics(sites.error());
    if (!suites)
      print_diagnostics(suites.error());
    return kExitInvalid;
  }

  RunOptions options;
  options.variables = std::move(*variables);
  options.interrupt = &g_interrupted;
  options.hard_stop = &g_hard_stop;
  options.cleanup_grace_seconds = command.cleanup_grace;
  options.jobs = command.jobs;
  auto start = std::chrono::steady_clock::now();
  if (command.max_time > 0)
    options.deadline = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                   std::chrono::duration<double>(command.max_time));

  Redactor redactor;
  CurlOptions curl_options;
  curl_options.interrupt = &g_interrupted;
  curl_options.max_body_bytes = static_cast<size_t>(command.max_body_mib * 1024 * 1024);
  auto client = make_curl_client(curl_options);
  options.client_factory = [curl_options] { return make_curl_client(curl_options); };
  ConsoleReporter console(stdout, redactor, verbosity);

  RunResult result;
  result.tool_version = PROBE_VERSION;
  // Sites run one after the other, each with its own tokens; one Redactor masks the secrets of
  // all of them everywhere. The console tells suites apart by address, so every site's copies
  // live until the end.
  std::deque<std::vector<Suite>> named_suites;
  for (const Site& site : *sites) {
    if (!site.verify_tls) {
      spdlog::warn(
          "TLS certificate verification is off for site '{}' ({}); use this only for "
          "test sites",
          site.name, site.file);
    }
    const std::vector<Suite>* site_suites = &*suites;
    if (sites->size() > 1)
      site_suites = &named_suites.emplace_back(suites_named_for(*suites, site));
    Executor executor(site, options, *client, redactor, console);
    std::vector<SuiteResult> results = executor.run(*site_suites);
    std::move(results.begin(), results.end(), std::back_inserter(result.suites));
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  result.interrupted = g_interrupted.load();
  redactor.mask(result);

  console.summary(result);
  int report_status = write_reports(command, result);
  if (result.interrupted)
    return g_signal.load() == SIGTERM ? kExitTerminated : kExitInterrupted;
  if (report_status != kExitPassed)
    return report_status;
  Counts counts = count(result);
  return counts.failed + counts.errors + counts.cleanup_failures > 0 ? kExitFailed : kExitPassed;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"tapis-probe: checks that a Tapis site works, from YAML suites of HTTP requests"};
  app.set_version_flag("--version", "tapis-probe " PROBE_VERSION);
  app.require_subcommand(1);

  RunCommand command;
  CLI::App* run_app = app.add_subcommand("run", "Run suites against a site and write reports");
  run_app->add_option("paths", command.paths, "Suite files, or folders of them")->required();
  run_app->add_option("--site", command.sites,
                      "Site file: base URL, tenant, accounts, secrets. Repeat it to run the "
                      "suites against each site in turn; reports name suites 'SITE: SUITE'");
  run_app->add_option("--var", command.variables,
                      "Set a variable, NAME=VALUE; overrides suite and site values (repeatable)");
  run_app
      ->add_option("--report-dir", command.report_dir,
                   "Folder for reports without an explicit path")
      ->capture_default_str();
  run_app->add_option("--junit", command.junit,
                      "JUnit XML report path (default REPORT_DIR/tapis-probe.xml)");
  run_app->add_option("--tap", command.tap, "TAP report path (default REPORT_DIR/tapis-probe.tap)");
  run_app
      ->add_option(
          "-j,--jobs", command.jobs,
          "Send up to this many requests at once, running suites (and the tests of `parallel` "
          "suites) concurrently; tests waiting between poll attempts do not count")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  run_app->add_option("--max-time", command.max_time,
                      "Stop the run after this many seconds; tests not run are reported skipped");
  run_app
      ->add_option("--cleanup-grace", command.cleanup_grace,
                   "Seconds cleanup steps may still run after SIGINT or SIGTERM")
      ->capture_default_str();
  run_app->add_option("--max-body", command.max_body_mib, "Largest response body accepted, in MiB")
      ->capture_default_str();
  auto* quiet =
      run_app->add_flag("-q,--quiet", command.quiet, "Print only failures and the summary");
  run_app->add_flag("-v,--verbose", command.verbose, "Print every request and response line")
      ->excludes(quiet);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    int code = app.exit(error);
    return code == 0 ? kExitPassed : kExitInvalid;
  }

  if (command.sites.empty()) {
    std::cerr << "error: no site file: pass --site FILE (see sites/ for examples); "
                 "tapis-probe never guesses a site\n";
    return kExitInvalid;
  }
  init_interrupt_pipe();
  install_signal_handlers();
  init_http();
  return run(command);
}
