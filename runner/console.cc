#include "console.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>

#include "utf8.h"

namespace probe {

namespace {

constexpr const char* kGreen = "32";
constexpr const char* kRed = "31";
constexpr const char* kYellow = "33";

const char* label(Outcome outcome) {
  switch (outcome) {
    case Outcome::passed:
      return "PASS ";
    case Outcome::failed:
      return "FAIL ";
    case Outcome::error:
      return "ERROR";
    case Outcome::skipped:
      return "SKIP ";
  }
  return "?    ";
}

const char* color_of(Outcome outcome) {
  switch (outcome) {
    case Outcome::passed:
      return kGreen;
    case Outcome::skipped:
      return kYellow;
    default:
      return kRed;
  }
}

std::string milliseconds(double seconds) {
  return fmt::format("{:.0f} ms", seconds * 1000);
}

}  // namespace

ConsoleReporter::ConsoleReporter(std::FILE* out, const Redactor& redactor, Verbosity verbosity)
    : out_(out),
      redactor_(redactor),
      verbosity_(verbosity),
      color_(isatty(fileno(out)) != 0 && std::getenv("NO_COLOR") == nullptr) {}

void ConsoleReporter::print(const std::string& text) {
  std::string masked = redactor_.mask(text);
  std::fwrite(masked.data(), 1, masked.size(), out_);
  std::fflush(out_);
}

std::string ConsoleReporter::paint(const char* color, const std::string& text) const {
  if (!color_)
    return text;
  return fmt::format("\x1b[{}m{}\x1b[0m", color, text);
}

void ConsoleReporter::suite_started(const Suite& suite) {
  // Concurrent runs announce a suite before each of its tests; print the heading once per switch.
  if (verbosity_ == Verbosity::quiet || &suite == last_suite_)
    return;
  last_suite_ = &suite;
  print(fmt::format("{} ({})\n", visible_text(suite.name), visible_text(suite.file)));
}

void ConsoleReporter::step_finished(const StepResult& step) {
  if (verbosity_ != Verbosity::verbose)
    return;
  print(fmt::format("    step '{}' ({})\n", visible_text(step.name), milliseconds(step.seconds)));
  for (const std::string& line : step.log)
    print(fmt::format("      {}\n", line));
}

void ConsoleReporter::test_finished(const TestResult& test) {
  bool problem = test.outcome == Outcome::failed || test.outcome == Outcome::error;
  if (verbosity_ == Verbosity::quiet && !problem && !test.cleanup_failed)
    return;

  std::string line = fmt::format("  {}  {}", paint(color_of(test.outcome), label(test.outcome)),
                                 visible_text(test.name));
  if (test.outcome == Outcome::skipped) {
    line += fmt::format(" ({})", test.message);
  } else {
    line += fmt::format(" ({})", milliseconds(test.seconds));
  }
  if (test.cleanup_failed)
    line += paint(kRed, " [cleanup failed]");
  print(line + "\n");

  for (const StepResult& step : test.steps) {
    if (!problem && !step.cleanup)
      continue;
    std::string name = fmt::format("{} '{}'", step.cleanup ? "cleanup step" : "step", step.name);
    if (step.outcome == Outcome::error) {
      print(fmt::format("         {}: {}\n", name, step.error));
      if (!step.request_line.empty())
        print(fmt::format("           request: {}\n", step.request_line));
    }
    for (const AssertionResult& assertion : step.assertions) {
      if (assertion.passed)
        continue;
      print(fmt::format(
          "         {}: {}\n           expected: {}\n           actual:   {}\n"
          "           at {}\n",
          name, assertion.subject,
          assertion.op == "eq" ? assertion.expected : assertion.op + " " + assertion.expected,
          assertion.actual, format_location(assertion.location)));
    }
  }
}

void ConsoleReporter::summary(const RunResult& run) {
  Counts counts = count(run);
  std::string text =
      fmt::format("{} tests: {} passed, {} failed, {} errors, {} skipped in {:.2f} s", counts.tests,
                  counts.passed, counts.failed, counts.errors, counts.skipped, run.seconds);
  if (counts.cleanup_failures > 0)
    text += fmt::format(", {} with failed cleanup", counts.cleanup_failures);
  bool ok = counts.failed == 0 && counts.errors == 0 && counts.cleanup_failures == 0;
  print(paint(ok ? kGreen : kRed, text) + (run.interrupted ? " (interrupted)" : "") + "\n");
}

}  // namespace probe
