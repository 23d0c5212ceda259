// A site that refuses connections: every test errors, and the run still ends normally with
// complete reports.
#include <gtest/gtest.h>

#include "e2e_test.h"
#include "paths.h"
#include "suite_files.h"

namespace probe::e2e {
namespace {

using StoppedSimulator = SimulatorTest;

TEST_F(StoppedSimulator, EveryTestErrors) {
  int tests = 0;
  for (const std::string& file : yaml_files(source_path("suites/smoke")))
    tests += count_tests(file);
  ASSERT_GT(tests, 0);

  Simulator& sim = start_simulator();
  ExitStatus stopped = sim.stop();
  ASSERT_FALSE(stopped.timed_out) << "tapis-sim did not stop on SIGTERM";

  ReportPaths reports = report_paths();
  ProcessResult run = run_probe(
      concat({{"run", "suites/smoke"}, site_args(), report_args(reports)}), simulator_secrets());

  EXPECT_EQ(run.status.signal, 0) << describe(run.status) << "\n" << run.err;
  EXPECT_EQ(run.status.exit_code, 1) << describe(run.status) << "\n" << run.out << run.err;
  EXPECT_EQ(count_lines_containing(run.out, "  ERROR  "), tests) << run.out;
  std::string port = sim.url().substr(sim.url().rfind(':') + 1);
  EXPECT_EQ(count_lines_containing(run.out, "Failed to connect to 127.0.0.1 port " + port), tests)
      << run.out;
  EXPECT_EQ(count_lines_containing(run.out, "(Connection refused)"), tests) << run.out;
  EXPECT_TRUE(reports_are_valid(reports, {.tests = tests, .errors = tests}));
}

}  // namespace
}  // namespace probe::e2e
