// Faults injected by the simulator: each broken route fails or errors its own test only, and
// the reports count each outcome.
#include <gtest/gtest.h>

#include "e2e_test.h"

namespace probe::e2e {
namespace {

using FaultsSuite = SimulatorTest;

std::string testcase(const std::string& name) {
  return "//testcase[@name='" + name + "']";
}

TEST_F(FaultsSuite, BrokenRoutesFailOrError) {
  start_simulator({"--fault", "GET /v3/apps status=503", "--fault",
                   "GET /v3/jobs/healthcheck body=malformed", "--fault", "GET /v3/pods reset",
                   "--fault", "GET /v3/systems/healthcheck delay=3s"});
  ReportPaths reports = report_paths();
  ProcessResult run = run_probe(concat({{"run", "tests/e2e/cases/faults.yaml"},
                                        site_args("tests/e2e/cases/sites/simulator-1s.yaml"),
                                        report_args(reports)}),
                                simulator_secrets());

  EXPECT_EQ(run.status.exit_code, 1) << describe(run.status) << "\n" << run.out << run.err;
  EXPECT_TRUE(reports_are_valid(reports, {.tests = 7, .failures = 2, .errors = 2}));

  // Assertion failures: the 503 and the body that is not JSON.
  EXPECT_EQ(xpath_count(reports.junit, testcase("list apps") + "/failure"), 1);
  EXPECT_EQ(xpath_count(reports.junit, testcase("jobs healthcheck") + "/failure"), 1);
  // Errors: no response at all.
  EXPECT_EQ(xpath_count(reports.junit, testcase("list pods") + "/error"), 1);
  EXPECT_EQ(xpath_count(reports.junit, testcase("systems healthcheck") + "/error"), 1);
  for (const char* name : {"apps healthcheck", "get system details", "tokens ready"}) {
    EXPECT_EQ(xpath_count(reports.junit, testcase(name) + "/*[self::failure or self::error]"), 0)
        << name << " should pass";
  }

  EXPECT_NE(run.out.find("expected: 200"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("actual:   503"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("not JSON"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("timed out"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("7 tests: 3 passed, 2 failed, 2 errors, 0 skipped"), std::string::npos)
      << run.out;
}

}  // namespace
}  // namespace probe::e2e
