// The shipped smoke suites against the simulator: everything passes, and the runner mints each
// token once for the whole run.
#include <gtest/gtest.h>

#include "e2e_test.h"
#include "paths.h"
#include "suite_files.h"

namespace probe::e2e {
namespace {

using SmokeSuite = SimulatorTest;

TEST_F(SmokeSuite, AllPassAgainstSimulator) {
  std::vector<std::string> files = yaml_files(source_path("suites/smoke"));
  int tests = 0;
  for (const std::string& file : files)
    tests += count_tests(file);
  ASSERT_GT(tests, 0) << "no tests found in suites/smoke";

  Simulator& sim = start_simulator();
  ReportPaths reports = report_paths();
  ProcessResult run = run_probe(
      concat({{"run", "suites/smoke"}, site_args(), report_args(reports)}), simulator_secrets());

  EXPECT_EQ(run.status.exit_code, 0) << describe(run.status) << "\n" << run.out << run.err;
  EXPECT_EQ(count_lines_containing(run.out, "  PASS  "), tests) << run.out;
  EXPECT_EQ(count_lines_containing(run.out, "  FAIL  "), 0) << run.out;
  EXPECT_EQ(count_lines_containing(run.out, "  ERROR  "), 0) << run.out;
  EXPECT_NE(run.out.find(std::to_string(tests) + " tests: " + std::to_string(tests) +
                         " passed, 0 failed, 0 errors, 0 skipped"),
            std::string::npos)
      << run.out;
  EXPECT_EQ(xpath_count(reports.junit, "//testsuite"), static_cast<int>(files.size()));
  EXPECT_TRUE(reports_are_valid(reports, {.tests = tests}));

  // The runner's own password grant, plus the suites' steps that request a token themselves
  // (authenticator.yaml checks the grant).
  int suite_token_steps = count_lines_containing_in(files, "url: /v3/oauth2/tokens");
  EXPECT_EQ(sim.password_grant_count(), 1 + suite_token_steps) << sim.requests().dump(2);
  EXPECT_EQ(sim.service_token_count(), 1) << sim.requests().dump(2);
}

}  // namespace
}  // namespace probe::e2e
