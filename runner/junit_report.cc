// JUnit XML writer. The file validates against junit-10.xsd, the schema the Jenkins xUnit
// plugin enforces, and junitparser, test-results-parser, junit-report-merger and xml2js
// count it alike. The shape also follows what the Jenkins junit plugin, GitLab,
// dorny/test-reporter and mikepenz/action-junit-report read, according to their source:
// - root <testsuites> with name and time but no counts, because junit-10.xsd allows no
//   "skipped" there and a root with counts but without "skipped" hides skips from
//   test-results-parser;
// - a flat list of <testsuite>, each with counts equal to its testcases, because some
//   consumers count testcases and others trust the attributes;
// - at most one of <failure>, <error>, <skipped> per testcase, because consumers rank
//   them differently when several appear;
// - output inside the testcase, the only place GitLab reads it;
// - times as plain decimal seconds with at most 3 decimals (junit-10.xsd).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <pugixml.hpp>
#include <string>

#include "failure_summary.h"
#include "report.h"
#include "xml_text.h"

namespace probe {

namespace {

// Returns seconds in the form junit-10.xsd accepts: digits, a point and three decimals.
// Negative, NaN and infinite values, which a clock cannot produce, are written as 0.
std::string format_seconds(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0)
    seconds = 0;
  return fmt::format("{:.3f}", seconds);
}

void set_attribute(pugi::xml_node node, const char* name, std::string_view value) {
  node.append_attribute(name).set_value(xml_safe_text(value).c_str());
}

void set_attribute(pugi::xml_node node, const char* name, int value) {
  node.append_attribute(name).set_value(value);
}

void append_text_element(pugi::xml_node parent, const char* name, std::string_view text) {
  parent.append_child(name).append_child(pugi::node_pcdata).set_value(xml_safe_text(text).c_str());
}

// Appends `text` with every line after the first indented by `indent`, so multi-line
// values such as JSON bodies stay readable under their label.
void append_indented(std::string& out, std::string_view text, std::string_view indent) {
  for (char c : text) {
    out += c;
    if (c == '\n')
      out += indent;
  }
}

std::string quoted_step_name(const StepResult& step) {
  return fmt::format("\"{}\"", step.name);
}

// Lists every failed assertion, each starting with "file:line:col:" so that annotators
// that search the failure text for a position find one.
std::string failure_text(const TestResult& test) {
  std::string text;
  for (const FailedAssertion& failed : failed_assertions(test)) {
    if (!failed.location.empty())
      text += failed.location + ": ";
    text += fmt::format("step {}: {} failed\n", quoted_step_name(*failed.step),
                        describe_assertion(*failed.assertion));
    if (!failed.assertion->expected.empty()) {
      text += "  expected: ";
      append_indented(text, failed.assertion->expected, "    ");
      text += '\n';
    }
    text += "  actual: ";
    append_indented(text, failed.assertion->actual, "    ");
    text += '\n';
  }

  if (text.empty()) {
    const StepResult* step = first_unsuccessful_step(test);
    const std::string location =
        first_known_location({step != nullptr ? &step->location : nullptr, &test.location});
    if (!location.empty())
      text += location + ": ";
    append_indented(text, outcome_message(test), "  ");
    text += '\n';
  }
  return text;
}

std::string error_text(const TestResult& test) {
  const StepResult* step = first_unsuccessful_step(test);
  const std::string location =
      first_known_location({step != nullptr ? &step->location : nullptr, &test.location});

  std::string text;
  if (!location.empty())
    text += location + ": ";
  if (step != nullptr)
    text += fmt::format("step {} could not run: ", quoted_step_name(*step));
  append_indented(
      text, step != nullptr && !step->error.empty() ? step->error : outcome_message(test), "  ");
  text += '\n';
  if (step != nullptr && !step->request_line.empty()) {
    text += fmt::format("  request: {}\n", step->request_line);
  }
  return text;
}

// The step log: for each step its outcome, request, log lines, assertions and details.
std::string system_out_text(const TestResult& test) {
  std::string text;
  for (const StepResult& step : test.steps) {
    text +=
        fmt::format("{}step {}: {} in {} s", step.cleanup ? "cleanup " : "", quoted_step_name(step),
                    to_string(step.outcome), format_seconds(step.seconds));
    const std::string location = location_text(step.location);
    if (!location.empty())
      text += fmt::format(" ({})", location);
    text += '\n';

    if (!step.request_line.empty())
      text += fmt::format("  request: {}\n", step.request_line);
    if (step.status != 0)
      text += fmt::format("  status: {}\n", step.status);
    for (const std::string& line : step.log) {
      text += "  | ";
      append_indented(text, line, "  | ");
      text += '\n';
    }
    for (const AssertionResult& assertion : step.assertions) {
      text += fmt::format("  {} {}, actual ",
                          assertion.passed ? "ok:    " : "FAILED:", describe_assertion(assertion));
      append_indented(text, assertion.actual, "    ");
      text += '\n';
    }
    if (!step.error.empty()) {
      text += "  error: ";
      append_indented(text, step.error, "    ");
      text += '\n';
    }
    for (const auto& [name, value] : step.details) {
      text += fmt::format("  {}: ", name);
      append_indented(text, value, "    ");
      text += '\n';
    }
  }
  return text;
}

void add_result_element(pugi::xml_node testcase, const TestResult& test) {
  switch (test.outcome) {
    case Outcome::passed:
      return;
    case Outcome::failed: {
      pugi::xml_node failure = testcase.append_child("failure");
      set_attribute(failure, "message", outcome_message(test));
      set_attribute(failure, "type", "assertion");
      failure.append_child(pugi::node_pcdata).set_value(xml_safe_text(failure_text(test)).c_str());
      return;
    }
    case Outcome::error: {
      pugi::xml_node error = testcase.append_child("error");
      set_attribute(error, "message", outcome_message(test));
      set_attribute(error, "type", "error");
      error.append_child(pugi::node_pcdata).set_value(xml_safe_text(error_text(test)).c_str());
      return;
    }
    case Outcome::skipped:
      set_attribute(testcase.append_child("skipped"), "message", test.message);
      return;
  }
}

void add_testcase(pugi::xml_node suite_node, const SuiteResult& suite, const TestResult& test) {
  pugi::xml_node testcase = suite_node.append_child("testcase");
  set_attribute(testcase, "name", test.name);
  set_attribute(testcase, "classname", suite.name);
  set_attribute(testcase, "time", format_seconds(test.seconds));

  add_result_element(testcase, test);

  const std::string output = system_out_text(test);
  if (!output.empty())
    append_text_element(testcase, "system-out", output);
  // A failed cleanup leaves the verdict alone but must not go unnoticed.
  const std::vector<std::string> problems = cleanup_problems(test);
  if (!problems.empty())
    append_text_element(testcase, "system-err", fmt::format("{}\n", fmt::join(problems, "\n")));
}

void add_suite(pugi::xml_node root, const SuiteResult& suite) {
  const Counts counts = count(suite);
  pugi::xml_node node = root.append_child("testsuite");
  set_attribute(node, "name", suite.name);
  set_attribute(node, "tests", counts.tests);
  set_attribute(node, "failures", counts.failed);
  set_attribute(node, "errors", counts.errors);
  set_attribute(node, "skipped", counts.skipped);
  set_attribute(node, "time", format_seconds(suite.seconds));
  if (!suite.timestamp.empty())
    set_attribute(node, "timestamp", suite.timestamp);
  if (!suite.hostname.empty())
    set_attribute(node, "hostname", suite.hostname);

  if (!suite.properties.empty()) {
    pugi::xml_node properties = node.append_child("properties");
    for (const auto& [name, value] : suite.properties) {
      pugi::xml_node property = properties.append_child("property");
      set_attribute(property, "name", name);
      set_attribute(property, "value", value);
    }
  }

  for (const TestResult& test : suite.tests)
    add_testcase(node, suite, test);
}

}  // namespace

void JunitReporter::write(const RunResult& run, std::ostream& out) const {
  pugi::xml_document document;
  pugi::xml_node declaration = document.append_child(pugi::node_declaration);
  declaration.append_attribute("version").set_value("1.0");
  declaration.append_attribute("encoding").set_value("UTF-8");

  pugi::xml_node root = document.append_child("testsuites");
  set_attribute(root, "name", "tapis-probe");
  set_attribute(root, "time", format_seconds(run.seconds));
  for (const SuiteResult& suite : run.suites)
    add_suite(root, suite);

  document.save(out, "  ", pugi::format_indent, pugi::encoding_utf8);
}

}  // namespace probe
