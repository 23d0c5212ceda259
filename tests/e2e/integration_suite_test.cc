// The shipped integration suites against the simulator: every scenario passes, and afterwards
// the simulator contains nothing the run created, apart from the jobs and transfers Tapis keeps.
#include <gtest/gtest.h>

#include "e2e_test.h"
#include "paths.h"
#include "suite_files.h"

namespace probe::e2e {
namespace {

using nlohmann::json;
using IntegrationSuite = SimulatorTest;

// The state without what a clean run may leave: jobs and transfers, and the count of
// soft-deleted systems and apps.
json lasting_state(json state) {
  state.erase("jobs");
  state.erase("transfers");
  for (const char* kind : {"systems", "apps"})
    state[kind].erase("deleted");
  return state;
}

TEST_F(IntegrationSuite, AllPassAndLeaveNothingBehind) {
  std::vector<std::string> files = yaml_files(source_path("suites/integration"));
  int tests = 0;
  for (const std::string& file : files)
    tests += count_tests(file);
  ASSERT_GT(tests, 0) << "no tests found in suites/integration";

  Simulator& sim = start_simulator({"--pace", "0.05"});
  json before = sim.state();
  ReportPaths reports = report_paths();
  ProcessResult run =
      run_probe(concat({{"run", "suites/integration"}, site_args(), report_args(reports)}),
                simulator_secrets(), std::chrono::seconds(120));

  EXPECT_EQ(run.status.exit_code, 0) << describe(run.status) << "\n" << run.out << run.err;
  EXPECT_NE(run.out.find(std::to_string(tests) + " tests: " + std::to_string(tests) +
                         " passed, 0 failed, 0 errors, 0 skipped"),
            std::string::npos)
      << run.out;
  EXPECT_EQ(xpath_count(reports.junit, "//testsuite"), static_cast<int>(files.size()));
  EXPECT_TRUE(reports_are_valid(reports, {.tests = tests}));

  json after = sim.state();
  EXPECT_EQ(lasting_state(after), lasting_state(before)) << "before:\n"
                                                         << before.dump(2) << "\nafter:\n"
                                                         << after.dump(2);
  EXPECT_EQ(after["pending_lifecycles"], 0) << after.dump(2);
  for (const auto& [status, count] : after["transfers"]["by_status"].items())
    EXPECT_EQ(status, "COMPLETED") << after.dump(2);
  // One password grant for the whole run.
  EXPECT_EQ(sim.password_grant_count(), 1) << sim.requests().dump(2);
}

}  // namespace
}  // namespace probe::e2e
