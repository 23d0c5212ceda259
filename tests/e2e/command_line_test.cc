// The command-line contract: usage errors and invalid suites exit 2 before any request, --help
// and --version exit 0, and a report that cannot be written exits 3.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>

#include "e2e_test.h"

namespace probe::e2e {
namespace {

using CommandLine = E2eTest;

constexpr const char* kOfflineSite = "tests/e2e/cases/sites/offline.yaml";

TEST_F(CommandLine, NoSiteExits2) {
  ProcessResult run = run_probe({"run", "tests/e2e/cases/skipped.yaml"});
  EXPECT_EQ(run.status.exit_code, 2) << describe(run.status);
  EXPECT_NE(run.err.find("no site file"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("--site"), std::string::npos) << run.err;
}

TEST_F(CommandLine, MissingSuitePathExits2) {
  ReportPaths reports = report_paths();
  ProcessResult run =
      run_probe(concat({{"run", "tests/e2e/cases/no-such-suite.yaml", "--site", kOfflineSite},
                        report_args(reports)}));

  EXPECT_EQ(run.status.exit_code, 2) << describe(run.status) << "\n" << run.out;
  EXPECT_NE(run.err.find("no-such-suite.yaml"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("not found"), std::string::npos) << run.err;
  EXPECT_EQ(run.out.find("0 tests"), std::string::npos) << run.out;
  EXPECT_FALSE(std::filesystem::exists(reports.junit));
}

TEST_F(CommandLine, EmptyFolderExits2) {
  std::filesystem::create_directory(temp().file("empty"));
  ProcessResult run = run_probe({"run", temp().file("empty"), "--site", kOfflineSite});
  EXPECT_EQ(run.status.exit_code, 2) << describe(run.status) << "\n" << run.out;
  EXPECT_NE(run.err.find("no suite files"), std::string::npos) << run.err;
  EXPECT_EQ(run.out.find("0 tests"), std::string::npos) << run.out;
}

TEST_F(CommandLine, UnknownKeyExits2) {
  ProcessResult run =
      run_probe({"run", "tests/e2e/cases/invalid/unknown-key.yaml", "--site", kOfflineSite});
  EXPECT_EQ(run.status.exit_code, 2) << describe(run.status) << "\n" << run.out;
  EXPECT_TRUE(std::regex_search(
      run.err, std::regex(R"(tests/e2e/cases/invalid/unknown-key\.yaml:7:9: error: .*asert)")))
      << run.err;
  EXPECT_NE(run.err.find("did you mean 'assert'"), std::string::npos) << run.err;
}

TEST_F(CommandLine, BadYamlExits2) {
  ProcessResult run =
      run_probe({"run", "tests/e2e/cases/invalid/bad-yaml.yaml", "--site", kOfflineSite});
  EXPECT_EQ(run.status.exit_code, 2) << describe(run.status) << "\n" << run.out;
  EXPECT_TRUE(std::regex_search(
      run.err, std::regex(R"(tests/e2e/cases/invalid/bad-yaml\.yaml:\d+:\d+: error: )")))
      << run.err;
}

TEST_F(CommandLine, SameReportPathExits2) {
  const std::string both = temp().file("report.out");
  ProcessResult run = run_probe({"run", "tests/e2e/cases/skipped.yaml", "--site", kOfflineSite,
                                 "--junit", both, "--tap", both});

  EXPECT_EQ(run.status.exit_code, 2) << describe(run.status) << "\n" << run.out;
  EXPECT_NE(run.err.find("--junit and --tap name the same file"), std::string::npos) << run.err;
  EXPECT_FALSE(std::filesystem::exists(both));
}

TEST_F(CommandLine, SameReportThroughSymlinkExits2) {
  const std::string tap = temp().file("report.tap");
  const std::string link = temp().file("link.xml");
  std::filesystem::create_symlink(tap, link);  // to a report not written yet

  ProcessResult run = run_probe({"run", "tests/e2e/cases/skipped.yaml", "--site", kOfflineSite,
                                 "--junit", link, "--tap", tap});

  EXPECT_EQ(run.status.exit_code, 2) << describe(run.status) << "\n" << run.out;
  EXPECT_NE(run.err.find("--junit and --tap name the same file"), std::string::npos) << run.err;
}

TEST_F(CommandLine, NegativeTimesExit2) {
  for (const char* option : {"--max-time=-5", "--max-time=inf", "--max-time=1e18",
                             "--cleanup-grace=-5", "--max-body=0", "--max-body=1e12"}) {
    ProcessResult run =
        run_probe({"run", "tests/e2e/cases/skipped.yaml", "--site", kOfflineSite, option});
    EXPECT_EQ(run.status.exit_code, 2) << option << ": " << describe(run.status) << "\n"
                                       << run.out << run.err;
    EXPECT_NE(run.err.find(std::string(option).substr(0, std::string(option).find('='))),
              std::string::npos)
        << run.err;
  }
}

TEST_F(CommandLine, SuiteWithoutTestsExits2) {
  ProcessResult run = run_probe({"run", "tests/e2e/cases/no-tests.yaml", "--site", kOfflineSite});

  EXPECT_EQ(run.status.exit_code, 2) << describe(run.status) << "\n" << run.out;
  EXPECT_NE(run.err.find("the suites hold no tests"), std::string::npos) << run.err;
}

TEST_F(CommandLine, VersionExits0) {
  ProcessResult run = run_probe({"--version"});
  EXPECT_EQ(run.status.exit_code, 0) << describe(run.status);
  EXPECT_TRUE(std::regex_search(run.out, std::regex(R"(^tapis-probe \d+\.\d+\.\d+)"))) << run.out;
}

TEST_F(CommandLine, HelpExits0) {
  ProcessResult top = run_probe({"--help"});
  EXPECT_EQ(top.status.exit_code, 0) << describe(top.status);
  EXPECT_NE(top.out.find("run"), std::string::npos) << top.out;

  ProcessResult run = run_probe({"run", "--help"});
  EXPECT_EQ(run.status.exit_code, 0) << describe(run.status);
  EXPECT_NE(run.out.find("--site"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("--junit"), std::string::npos) << run.out;
}

TEST_F(CommandLine, UnwritableReportExits3) {
  // A folder cannot be created below a regular file, even by root.
  std::string blocker = write_file("blocker", "a file, not a folder\n");
  ReportPaths reports = {blocker + "/report.xml", temp().file("report.tap")};
  ProcessResult run = run_probe(concat(
      {{"run", "tests/e2e/cases/skipped.yaml", "--site", kOfflineSite}, report_args(reports)}));

  EXPECT_EQ(run.status.exit_code, 3) << describe(run.status) << "\n" << run.out << run.err;
  EXPECT_NE(run.err.find("cannot write report '" + reports.junit + "'"), std::string::npos)
      << run.err;
  EXPECT_TRUE(std::filesystem::exists(reports.tap)) << "the other report should be written";
}

}  // namespace
}  // namespace probe::e2e
