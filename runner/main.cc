// tapis-probe: runs YAML suites of HTTP checks against a Tapis site and writes reports.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <charconv>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <future>
#include <iostream>

#include "auth.h"
#include "commands.h"
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
  Selection selection;
};

// --tag, --skip-tag, --filter and --shard, shared by run and list.
void add_selection_options(CLI::App& command, Selection& selection, std::string& shard) {
  command.add_option("--tag", selection.tags,
                     "Run only tests with this tag (suite tags count); repeatable, any matches");
  command.add_option("--skip-tag", selection.skip_tags,
                     "Leave out tests with this tag; repeatable; wins over --tag");
  command.add_option("--filter", selection.filter,
                     "Run only tests whose name contains a match of this RE2 regex");
  command.add_option("--shard", shard,
                     "Run part K of N (K/N, e.g. 2/4); a suite without `parallel: true` stays "
                     "whole, placed by a hash of its name");
}

bool apply_shard(const std::string& text, Selection& selection) {
  if (text.empty())
    return true;
  auto shard = parse_shard(text);
  if (!shard) {
    std::cerr << "error: " << shard.error() << "\n";
    return false;
  }
  selection.shard = *shard;
  return true;
}

void print_diagnostics(const Diagnostics& diagnostics) {
  for (const Diagnostic& diagnostic : diagnostics)
    std::cerr << format_diagnostic(diagnostic);
}

// Copies of the suites named "SITE: SUITE", for a run over several sites.
std::vector<Suite> suites_named_for(const std::vector<Suite>& suites, const Site& site) {
  std::vector<Suite> named = suites;
  for (Suite& suite : named)
    suite.name = site.name + ": " + suite.name;
  return named;
}

// Longest --max-time and --cleanup-grace: a year, far below where a clock's count overflows.
constexpr double kMaxSeconds = 365.0 * 24 * 3600;

// Accepts a number from `minimum` (exclusive when `strict`) to `maximum`, with a message that
// names the bound; CLI11's own range check prints the whole range of a double.
CLI::Validator number_between(double minimum, bool strict, double maximum) {
  return CLI::Validator(
      [=](std::string& text) -> std::string {
        double value = 0;
        auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (error != std::errc() || end != text.data() + text.size() || std::isnan(value))
          return fmt::format("expected a number, got '{}'", text);
        if (strict ? value <= minimum : value < minimum)
          return fmt::format("must be {} {:g}, got {}", strict ? "more than" : "at least", minimum,
                             text);
        if (value > maximum)
          return fmt::format("must be at most {:g}, got {}", maximum, text);
        return {};
      },
      "NUMBER");
}

// Whether two paths name one file, which need not exist yet.
bool same_file_path(const std::filesystem::path& a, const std::filesystem::path& b) {
  std::error_code error_a;
  std::error_code error_b;
  const auto canonical_a = std::filesystem::weakly_canonical(follow_links(a), error_a);
  const auto canonical_b = std::filesystem::weakly_canonical(follow_links(b), error_b);
  if (error_a || error_b)
    return a.lexically_normal() == b.lexically_normal();
  return canonical_a == canonical_b;
}

// The JUnit and TAP report paths, defaults applied.
std::pair<std::string, std::string> report_paths(const RunCommand& command) {
  return {command.junit.empty() ? command.report_dir + "/tapis-probe.xml" : command.junit,
          command.tap.empty() ? command.report_dir + "/tapis-probe.tap" : command.tap};
}

int write_reports(const RunCommand& command, const RunResult& run) {
  const auto [junit, tap] = report_paths(command);
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
  const auto [junit, tap] = report_paths(command);
  if (same_file_path(junit, tap)) {
    std::cerr << fmt::format(
        "error: --junit and --tap name the same file '{}'; give each report "
        "its own path\n",
        junit);
    return kExitInvalid;
  }
  LoadedSites sites = load_sites(command.sites);
  std::vector<const Site*> checked_sites;
  for (const Site& site : sites.sites)
    checked_sites.push_back(&site);
  LoadedSuites loaded = load_and_check_suites(command.paths, checked_sites, *variables);
  if (!sites.diagnostics.empty() || !loaded.diagnostics.empty()) {
    print_diagnostics(sites.diagnostics);
    print_diagnostics(loaded.diagnostics);
    return kExitInvalid;
  }
  auto suites = select_tests(std::move(loaded.suites), command.selection);
  if (!suites) {
    std::cerr << "error: " << suites.error() << "\n";
    return kExitInvalid;
  }
  const Selection& selection = command.selection;
  const bool filtered =
      !selection.tags.empty() || !selection.skip_tags.empty() || !selection.filter.empty();
  if (suites->empty() && !selection.shard) {
    std::cerr << (filtered ? "error: no test matches --tag, --skip-tag and --filter; "
                             "`tapis-probe list` with the same options shows what they select\n"
                           : "error: the suites hold no tests; add tests to their 'tests' lists\n");
    return kExitInvalid;
  }
  Diagnostics missing_accounts;
  for (const Site& site : sites.sites) {
    Diagnostics missing = check_accounts(*suites, site);
    missing_accounts.insert(missing_accounts.end(), missing.begin(), missing.end());
  }
  if (!missing_accounts.empty()) {
    print_diagnostics(missing_accounts);
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
  // Rounded up, so that a fraction of a MiB still allows a body of at least one byte.
  curl_options.max_body_bytes = static_cast<size_t>(std::ceil(command.max_body_mib * 1024 * 1024));
  auto client = make_curl_client(curl_options);
  options.client_factory = [curl_options] { return make_curl_client(curl_options); };
  options.poll_loop_factory = [curl_options](SendPermits& permits) {
    return std::make_unique<PollLoop>(curl_options, permits);
  };
  ConsoleReporter console(stdout, redactor, verbosity);

  RunResult result;
  result.tool_version = PROBE_VERSION;
  // Sites run one after the other, each with its own tokens; one Redactor masks the secrets of
  // all of them everywhere. The console identifies suites by address, so every site's copies
  // live until the end.
  std::deque<std::vector<Suite>> named_suites;
  for (const Site& site : sites.sites) {
    if (!site.verify_tls) {
      spdlog::warn(
          "TLS certificate verification is off for site '{}' ({}); use this only for "
          "test sites",
          site.name, site.file);
    }
    const std::vector<Suite>* site_suites = &*suites;
    if (sites.sites.size() > 1)
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
  run_app
      ->add_option("--max-time", command.max_time,
                   "Stop the run after this many seconds (0: no limit); tests not run are "
                   "reported skipped")
      ->check(number_between(0, false, kMaxSeconds));
  run_app
      ->add_option("--cleanup-grace", command.cleanup_grace,
                   "Seconds cleanup steps may still run after SIGINT, SIGTERM or --max-time")
      ->check(number_between(0, false, kMaxSeconds))
      ->capture_default_str();
  run_app->add_option("--max-body", command.max_body_mib, "Largest response body accepted, in MiB")
      ->check(number_between(0, true, 1024 * 1024))
      ->capture_default_str();
  auto* quiet =
      run_app->add_flag("-q,--quiet", command.quiet, "Print only failures and the summary");
  run_app->add_flag("-v,--verbose", command.verbose, "Print every request and response line")
      ->excludes(quiet);
  std::string run_shard;
  add_selection_options(*run_app, command.selection, run_shard);

  ValidateRequest validate;
  CLI::App* validate_app = app.add_subcommand(
      "validate", "Check suite and site files for every problem, without sending a request");
  validate_app->add_option("paths", validate.paths, "Suite files, or folders of them")->required();
  validate_app->add_option("--site", validate.sites,
                           "Site file to check, and to check the suites' variables against; "
                           "repeatable. Secrets are not read");
  validate_app->add_option("--var", validate.variables,
                           "A variable the run will set with --var, NAME=VALUE (repeatable)");

  ListRequest list;
  std::string list_shard;
  CLI::App* list_app =
      app.add_subcommand("list", "List the tests a run would run, with their tags, after filters");
  list_app->add_option("paths", list.paths, "Suite files, or folders of them")->required();
  add_selection_options(*list_app, list.selection, list_shard);
  list_app->add_flag("--json", list.json,
                     "Print one JSON document: suites with their file and tests, each test with "
                     "its location, tags and skip reason");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    int code = app.exit(error);
    return code == 0 ? kExitPassed : kExitInvalid;
  }

  if (*validate_app)
    return validate_files(validate, std::cout, std::cerr);
  if (*list_app) {
    if (!apply_shard(list_shard, list.selection))
      return kExitInvalid;
    return list_tests(list, std::cout, std::cerr);
  }
  if (!apply_shard(run_shard, command.selection))
    return kExitInvalid;
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
