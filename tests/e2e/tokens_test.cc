// User tokens: minted again after they expire, and a rejected login that errors the tests
// needing it without a second attempt or a leak of the password.
#include <gtest/gtest.h>

#include "e2e_test.h"

namespace probe::e2e {
namespace {

using TokenExpiry = SimulatorTest;
using BadPassword = SimulatorTest;

TEST_F(TokenExpiry, TokenMintedAgainAfterTtl) {
  Simulator& sim =
      start_simulator({"--token-ttl", "2", "--fault", "GET /v3/apps/healthcheck delay=2500ms"});
  ReportPaths reports = report_paths();
  ProcessResult run = run_probe(
      concat({{"run", "tests/e2e/cases/token-expiry.yaml"}, site_args(), report_args(reports)}),
      simulator_secrets());

  EXPECT_EQ(run.status.exit_code, 0) << describe(run.status) << "\n" << run.out << run.err;
  EXPECT_TRUE(reports_are_valid(reports, {.tests = 4}));
  EXPECT_GE(sim.password_grant_count(), 2) << sim.requests().dump(2);
}

TEST_F(BadPassword, AuthenticatedTestsError) {
  // Distinctive, so that finding it in the output cannot be a coincidence.
  const std::string wrong_password = "Wr0ng-e2e-Passw0rd";
  Simulator& sim = start_simulator();
  ReportPaths reports = report_paths();
  ProcessResult run =
      run_probe(concat({{"run", "tests/e2e/cases/user-auth.yaml", "--verbose"},
                        site_args(),
                        report_args(reports)}),
                {{"TAPIS_PASSWORD", wrong_password}, {"TAPIS_SERVICE_PASSWORD", kServicePassword}});

  EXPECT_EQ(run.status.exit_code, 1) << describe(run.status) << "\n" << run.out << run.err;
  EXPECT_TRUE(reports_are_valid(reports, {.tests = 3, .errors = 2}));
  EXPECT_EQ(count_lines_containing(run.out, "  ERROR  "), 2) << run.out;
  EXPECT_EQ(count_lines_containing(run.out, "step 'step 1': authentication failed"), 2) << run.out;
  EXPECT_EQ(
      xpath_count(reports.junit, "//testcase/error[contains(@message, 'authentication failed')]"),
      2);
  EXPECT_EQ(sim.password_grant_count(), 1) << sim.requests().dump(2);

  for (const std::string& path : {reports.junit, reports.tap}) {
    EXPECT_EQ(read_file(path).find(wrong_password), std::string::npos) << path;
  }
  EXPECT_EQ(run.out.find(wrong_password), std::string::npos) << run.out;
  EXPECT_EQ(run.err.find(wrong_password), std::string::npos) << run.err;
}

}  // namespace
}  // namespace probe::e2e
