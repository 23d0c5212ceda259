// Several --site options in one run: each site's results are suites of their own, named by site.
#include <gtest/gtest.h>

#include <filesystem>

#include "e2e_test.h"
#include "paths.h"

namespace probe::e2e {
namespace {

using MultiSite = SimulatorTest;

// sites/simulator.yaml under another name.
std::string renamed_simulator_site(const std::string& name) {
  std::string content = read_file(source_path("sites/simulator.yaml"));
  const std::string original = "\nname: simulator\n";
  size_t at = content.find(original);
  EXPECT_NE(at, std::string::npos) << "sites/simulator.yaml has no top-level 'name: simulator'";
  if (at != std::string::npos)
    content.replace(at, original.size(), "\nname: " + name + "\n");
  return content;
}

TEST_F(MultiSite, EachSiteGetsItsOwnSuites) {
  Simulator& sim = start_simulator();
  std::string second = write_file("second.yaml", renamed_simulator_site("second"));
  ReportPaths reports = report_paths();
  ProcessResult run = run_probe(concat({{"run", "tests/e2e/cases/user-auth.yaml"},
                                        site_args(),
                                        {"--site", second},
                                        report_args(reports)}),
                                simulator_secrets());

  EXPECT_EQ(run.status.exit_code, 0) << describe(run.status) << "\n" << run.out << run.err;
  EXPECT_TRUE(reports_are_valid(reports, {.tests = 6}));
  EXPECT_EQ(xpath_count(reports.junit, "//testsuite[@name='simulator: user auth']"), 1);
  EXPECT_EQ(xpath_count(reports.junit, "//testsuite[@name='second: user auth']"), 1);
  EXPECT_EQ(xpath_count(reports.junit,
                        "//testsuite[@name='second: user auth']/properties/"
                        "property[@name='site' and @value='second']"),
            1);
  EXPECT_EQ(count_lines_containing(read_file(reports.tap), "ok 4 - second: user auth / "), 1)
      << read_file(reports.tap);
  EXPECT_EQ(count_lines_containing(run.out, "second: user auth (tests/e2e/cases/user-auth.yaml)"),
            1)
      << run.out;
  // Each site mints its own user token.
  EXPECT_EQ(sim.password_grant_count(), 2) << sim.requests().dump(2);
}

TEST_F(MultiSite, DuplicateSiteNameRejected) {
  start_simulator();
  ReportPaths reports = report_paths();
  ProcessResult run = run_probe(concat({{"run", "suites/smoke/tokens.yaml"},
                                        site_args(),
                                        {"--site", "sites/simulator.yaml"},
                                        report_args(reports)}),
                                simulator_secrets());

  EXPECT_EQ(run.status.exit_code, 2) << describe(run.status) << "\n" << run.out << run.err;
  EXPECT_EQ(count_lines_containing(run.err, "site name 'simulator' is also the name of site file"),
            1)
      << run.err;
  EXPECT_FALSE(std::filesystem::exists(reports.junit));
  EXPECT_EQ(simulator().requests().size(), 0u) << simulator().requests().dump(2);
}

TEST_F(MultiSite, ValidateRejectsDuplicateSiteName) {
  ProcessResult run =
      run_probe({"validate", "suites/smoke/tokens.yaml", "--site", "sites/simulator.yaml", "--site",
                 "sites/simulator.yaml", "--var", "sim_url=http://127.0.0.1:9"});

  EXPECT_EQ(run.status.exit_code, 2) << describe(run.status) << "\n" << run.out << run.err;
  EXPECT_EQ(count_lines_containing(run.err, "site name 'simulator' is also the name of site file"),
            1)
      << run.err;
}

}  // namespace
}  // namespace probe::e2e
