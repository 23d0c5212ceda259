// Validation of the JUnit XML and TAP reports a run wrote.
#pragma once

#include <gtest/gtest.h>

#include <string>

namespace probe::e2e {

struct ReportPaths {
  std::string junit;
  std::string tap;
};

// The counts both reports must show. TAP's "failed" is failures + errors.
struct ReportCounts {
  int tests = 0;
  int failures = 0;
  int errors = 0;
  int skipped = 0;
};

// Checks both reports with the check-reports script when it is installed beside the repository
// (PROBE_E2E_CHECK_REPORTS overrides where it is looked for): it runs real consumers (xmllint with
// the Jenkins xUnit schema, junitparser, TAP::Parser) and compares their counts with `expected`.
// Without the script, falls back to xmllint with tests/data/xsd/jenkins-xunit-junit-10.xsd, XPath
// counts and a line check of the TAP, and logs that it did.
::testing::AssertionResult reports_are_valid(const ReportPaths& reports,
                                             const ReportCounts& expected);

// count(EXPRESSION) over an XML file, evaluated by xmllint; -1 when xmllint fails.
int xpath_count(const std::string& xml_file, const std::string& expression);

}  // namespace probe::e2e
