// TAP writer. Version 13 because Perl's TAP::Parser 3.44 (what `prove` runs) rejects a
// "TAP version 14" line, and it reads YAML diagnostics only after a version 13 line.
// Its YAMLish reader fails on "|-" block scalars and on blank lines inside block scalars,
// and then loses the rest of the stream, so diagnostics use only double-quoted strings on
// one line, nested maps and lists.
#include <fmt/format.h>

#include <set>
#include <string>
#include <string_view>

#include "failure_summary.h"
#include "report.h"
#include "utf8.h"

namespace probe {

namespace {

// Control characters are escaped as utf8.h's append_control_escape() writes them: both
// TAP::Parser's YAMLish reader and YAML 1.2 decode \n, \r, \t and \xHH; YAML 1.2 also decodes
// \uHHHH, which TAP::Parser leaves as it is.

// Returns text fit for a test line. "#" becomes "\#" so that no name reads as a SKIP or
// TODO directive, and "\" becomes "\\". Control characters, line breaks included, become
// visible escapes, which keeps each test on one line.
std::string tap_description(std::string_view text) {
  std::string escaped;
  for (char32_t c : decode_utf8(text)) {
    if (c == '\\' || c == '#') {
      escaped += '\\';
      escaped += static_cast<char>(c);
    } else if (is_control(c)) {
      append_control_escape(escaped, c);
    } else {
      append_utf8(escaped, c);
    }
  }
  return escaped;
}

// Returns `text` as a YAML double-quoted scalar on one line.
std::string yaml_quoted(std::string_view text) {
  std::string quoted = "\"";
  for (char32_t c : decode_utf8(text)) {
    if (c == '\\' || c == '"') {
      quoted += '\\';
      quoted += static_cast<char>(c);
    } else if (is_control(c)) {
      append_control_escape(quoted, c);
    } else {
      append_utf8(quoted, c);
    }
  }
  quoted += '"';
  return quoted;
}

// Writes one YAMLish diagnostic block. Keys passed to `add` are plain words chosen by this
// file; keys that come from the result tree go through `add_quoted_key`.
class DiagnosticBlock {
 public:
  explicit DiagnosticBlock(std::ostream& out) : out_(out) { out_ << "  ---\n"; }
  ~DiagnosticBlock() { out_ << "  ...\n"; }
  DiagnosticBlock(const DiagnosticBlock&) = delete;
  DiagnosticBlock& operator=(const DiagnosticBlock&) = delete;

  // Writes `key: "value"`, or nothing when `value` is empty.
  void add(int depth, std::string_view key, std::string_view value, std::string_view prefix = "") {
    if (value.empty())
      return;
    out_ << indent(depth) << prefix << key << ": " << yaml_quoted(value) << '\n';
  }

  void add_plain(int depth, std::string_view key, std::string_view plain_value) {
    out_ << indent(depth) << key << ": " << plain_value << '\n';
  }

  void add_quoted_key(int depth, std::string_view key, std::string_view value) {
    out_ << indent(depth) << yaml_quoted(key) << ": " << yaml_quoted(value) << '\n';
  }

  void open_map(int depth, std::string_view key) { out_ << indent(depth) << key << ":\n"; }

 private:
  static std::string indent(int depth) { return std::string(2 + 2 * depth, ' '); }

  std::ostream& out_;
};

// Writes the step's status and details as a map. YAML forbids duplicate keys, so a
// repeated name gets " (2)", " (3)", ... appended.
void add_details(DiagnosticBlock& block, const StepResult* step) {
  if (step == nullptr)
    return;
  if (step->status == 0 && step->details.empty())
    return;

  block.open_map(0, "details");
  std::set<std::string> used;
  auto add_unique = [&](const std::string& name, const std::string& value) {
    std::string key = name;
    for (int n = 2; used.contains(key); ++n)
      key = fmt::format("{} ({})", name, n);
    used.insert(key);
    block.add_quoted_key(1, key, value);
  };
  if (step->status != 0)
    add_unique("status", std::to_string(step->status));
  for (const auto& [name, value] : step->details)
    add_unique(name, value);
}

void add_failed_assertion_list(DiagnosticBlock& block, const std::vector<FailedAssertion>& list) {
  block.open_map(0, "failed_assertions");
  for (const FailedAssertion& failed : list) {
    const AssertionResult& assertion = *failed.assertion;
    block.add(1, "subject", assertion.subject.empty() ? "(none)" : assertion.subject, "- ");
    block.add(2, "op", assertion.op);
    block.add(2, "expected", assertion.expected);
    block.add(2, "actual", assertion.actual);
    block.add(2, "step", failed.step->name);
    block.add(2, "at", failed.location);
  }
}

void write_failure_diagnostics(const TestResult& test, std::ostream& out) {
  const std::vector<FailedAssertion> failed = failed_assertions(test);
  const StepResult* step = failed.empty() ? first_unsuccessful_step(test) : failed.front().step;

  DiagnosticBlock block(out);
  block.add(0, "message", outcome_message(test));
  block.add_plain(0, "severity", "fail");
  if (step != nullptr)
    block.add(0, "step", step->name);
  if (step != nullptr)
    block.add(0, "request", step->request_line);
  if (!failed.empty()) {
    // Without its subject and operator, an expected value such as "[FAILED]" misleads.
    const AssertionResult& first = *failed.front().assertion;
    block.add(0, "subject", first.subject.empty() ? "(none)" : first.subject);
    block.add(0, "op", first.op);
    block.add(0, "expected", first.expected);
    block.add(0, "actual", first.actual);
    block.add(0, "at", failed.front().location);
  } else {
    block.add(0, "at",
              first_known_location({step != nullptr ? &step->location : nullptr, &test.location}));
  }
  if (failed.size() > 1)
    add_failed_assertion_list(block, failed);
  add_details(block, step);
}

void write_error_diagnostics(const TestResult& test, std::ostream& out) {
  const StepResult* step = first_unsuccessful_step(test);

  DiagnosticBlock block(out);
  block.add(0, "message", outcome_message(test));
  block.add_plain(0, "severity", "error");
  if (step != nullptr) {
    block.add(0, "step", step->name);
    block.add(0, "request", step->request_line);
    if (step->error != outcome_message(test))
      block.add(0, "error", step->error);
  }
  block.add(0, "at",
            first_known_location({step != nullptr ? &step->location : nullptr, &test.location}));
  add_details(block, step);
}

void write_test_line(const SuiteResult& suite, const TestResult& test, int number,
                     std::ostream& out) {
  const bool ok = test.outcome == Outcome::passed || test.outcome == Outcome::skipped;
  out << (ok ? "ok " : "not ok ") << number << " - " << tap_description(suite.name) << " / "
      << tap_description(test.name);
  if (test.outcome == Outcome::skipped) {
    out << " # SKIP";
    if (!test.message.empty())
      out << ' ' << tap_description(test.message);
  }
  out << '\n';

  if (test.outcome == Outcome::failed)
    write_failure_diagnostics(test, out);
  if (test.outcome == Outcome::error)
    write_error_diagnostics(test, out);
  for (const std::string& problem : cleanup_problems(test))
    out << "# " << tap_description(problem) << '\n';
}

}  // namespace

void TapReporter::write(const RunResult& run, std::ostream& out) const {
  const Counts counts = count(run);
  out << "TAP version 13\n";
  if (counts.tests == 0) {
    out << "1..0 # SKIP no tests\n";
  } else {
    out << "1.." << counts.tests << '\n';
  }

  int number = 0;
  for (const SuiteResult& suite : run.suites) {
    for (const TestResult& test : suite.tests)
      write_test_line(suite, test, ++number, out);
  }

  out << fmt::format("# {} tests: {} passed, {} failed, {} errors, {} skipped\n", counts.tests,
                     counts.passed, counts.failed, counts.errors, counts.skipped);
  if (run.interrupted)
    out << "# the run was interrupted before every test had finished\n";
}

}  // namespace probe
