#include "report_check.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <regex>
#include <sstream>
#include <vector>

#include "paths.h"
#include "process.h"

namespace probe::e2e {

namespace {

using namespace std::chrono_literals;

constexpr const char* kJunitSchema = "tests/data/xsd/jenkins-xunit-junit-10.xsd";

// PROBE_E2E_CHECK_REPORTS overrides the location, for trying the fallback checks.
std::string check_reports_path() {
  const char* path = std::getenv("PROBE_E2E_CHECK_REPORTS");
  if (path != nullptr && *path != '\0')
    return path;
  return source_path("../shared/tools/check-reports");
}

// Runs a checker with its output in files beside `report`, which the test owns.
ProcessResult run_tool(const std::vector<std::string>& argv, const std::string& report) {
  static int serial = 0;
  std::string prefix = report + ".check-" + std::to_string(++serial);
  ProcessOptions options;
  options.argv = argv;
  options.stdout_path = prefix + ".out";
  options.stderr_path = prefix + ".err";
  return run_process(options, 120s);
}

::testing::AssertionResult run_check_reports(const ReportPaths& reports,
                                             const ReportCounts& expected) {
  std::vector<std::string> argv = {"/bin/bash", check_reports_path(), "--junit", reports.junit,
                                   "--tap",     reports.tap};
  for (const std::string& expectation :
       {"tests=" + std::to_string(expected.tests), "failures=" + std::to_string(expected.failures),
        "errors=" + std::to_string(expected.errors), "skipped=" + std::to_string(expected.skipped),
        "failed=" + std::to_string(expected.failures + expected.errors),
        "planned=" + std::to_string(expected.tests)}) {
    argv.push_back("--expect");
    argv.push_back(expectation);
  }

  ProcessResult result = run_tool(argv, reports.junit);
  if (result.status.exit_code == 0)
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "check-reports " << describe(result.status) << "\nstdout:\n"
         << result.out << "\nstderr:\n"
         << result.err;
}

::testing::AssertionResult check_junit_with_xmllint(const std::string& junit,
                                                    const ReportCounts& expected) {
  auto xmllint = find_program("xmllint");
  if (!xmllint)
    return ::testing::AssertionFailure()
           << "neither check-reports nor xmllint is available (apt-get install libxml2-utils)";

  std::string schema = source_path(kJunitSchema);
  if (access(schema.c_str(), R_OK) == 0) {
    ProcessResult result = run_tool({*xmllint, "--noout", "--schema", schema, junit}, junit);
    if (result.status.exit_code != 0)
      return ::testing::AssertionFailure()
             << junit << " does not validate against " << schema << ":\n"
             << result.err;
  } else {
    std::cout << "[   NOTE   ] " << schema << " is missing: the JUnit file was not checked "
              << "against the Jenkins xUnit schema\n";
    ::testing::Test::RecordProperty("junit_schema", "missing; not checked");
  }

  const std::pair<const char*, int> counts[] = {
      {"//testcase", expected.tests},
      {"//testcase/failure", expected.failures},
      {"//testcase/error", expected.errors},
      {"//testcase/skipped", expected.skipped},
  };
  for (const auto& [expression, count] : counts) {
    int actual = xpath_count(junit, expression);
    if (actual != count)
      return ::testing::AssertionFailure()
             << junit << ": count(" << expression << ") is " << actual << ", expected " << count;
  }
  return ::testing::AssertionSuccess();
}

// Checks the TAP lines a TAP version 13 consumer relies on: version, plan, one numbered line per
// test in order, and the outcome counts.
::testing::AssertionResult check_tap_lines(const std::string& tap, const ReportCounts& expected) {
  std::istringstream lines(read_file(tap));
  std::string line;
  if (!std::getline(lines, line) || line != "TAP version 13")
    return ::testing::AssertionFailure()
           << tap << ": first line is '" << line << "', expected 'TAP version 13'";

  static const std::regex test_line(R"(^(ok|not ok) (\d+)( - .*)?$)");
  std::string plan = expected.tests == 0 ? "1..0" : "1.." + std::to_string(expected.tests);
  bool plan_seen = false;
  int number = 0;
  int not_ok = 0;
  int skipped = 0;
  while (std::getline(lines, line)) {
    if (line.starts_with("1..")) {
      if (!line.starts_with(plan))
        return ::testing::AssertionFailure() << tap << ": plan '" << line << "', expected " << plan;
      plan_seen = true;
      continue;
    }
    std::smatch match;
    if (!std::regex_match(line, match, test_line))
      continue;
    if (std::stoi(match[2]) != ++number)
      return ::testing::AssertionFailure() << tap << ": test line out of order: " << line;
    if (match[1] == "not ok")
      ++not_ok;
    if (line.find(" # SKIP") != std::string::npos)
      ++skipped;
  }

  if (!plan_seen)
    return ::testing::AssertionFailure() << tap << ": no plan line";
  if (number != expected.tests || not_ok != expected.failures + expected.errors ||
      skipped != expected.skipped)
    return ::testing::AssertionFailure()
           << tap << ": " << number << " tests, " << not_ok << " not ok, " << skipped
           << " skipped; expected " << expected.tests << ", " << expected.failures + expected.errors
           << ", " << expected.skipped;
  return ::testing::AssertionSuccess();
}

}  // namespace

int xpath_count(const std::string& xml_file, const std::string& expression) {
  auto xmllint = find_program("xmllint");
  if (!xmllint)
    return -1;
  ProcessResult result =
      run_tool({*xmllint, "--xpath", "count(" + expression + ")", xml_file}, xml_file);
  if (result.status.exit_code != 0)
    return -1;
  try {
    return std::stoi(result.out);
  } catch (const std::exception&) {
    return -1;
  }
}

::testing::AssertionResult reports_are_valid(const ReportPaths& reports,
                                             const ReportCounts& expected) {
  for (const std::string& path : {reports.junit, reports.tap}) {
    if (!std::filesystem::is_regular_file(path))
      return ::testing::AssertionFailure() << "report " << path << " was not written";
  }

  if (access(check_reports_path().c_str(), R_OK) == 0)
    return run_check_reports(reports, expected);

  std::cout << "[   NOTE   ] " << check_reports_path() << " is absent: checking the JUnit file "
            << "with xmllint and the TAP file line by line instead\n";
  ::testing::Test::RecordProperty("report_check", "fallback: xmllint and TAP line checks");
  auto junit = check_junit_with_xmllint(reports.junit, expected);
  if (!junit)
    return junit;
  return check_tap_lines(reports.tap, expected);
}

}  // namespace probe::e2e
