// validate and list against the real binary, and selection options of run.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <regex>
#include <sstream>

#include "e2e_test.h"

namespace probe::e2e {
namespace {

using AuthoringCommands = E2eTest;

constexpr const char* kOfflineSite = "tests/e2e/cases/sites/offline.yaml";
constexpr const char* kTagged = "tests/e2e/cases/selection/tagged.yaml";

TEST_F(AuthoringCommands, ShippedSuitesValidate) {
  ProcessResult run = run_probe({"validate", "suites", "--site", "sites/simulator.yaml", "--var",
                                 "sim_url=http://127.0.0.1:9"});
  EXPECT_EQ(run.status.exit_code, 0) << describe(run.status) << "\n" << run.err;
  EXPECT_EQ(run.err, "");
  EXPECT_NE(run.out.find("valid: "), std::string::npos) << run.out;
}

TEST_F(AuthoringCommands, ShippedSuitesValidateWithoutSite) {
  ProcessResult run = run_probe({"validate", "suites"});
  EXPECT_EQ(run.status.exit_code, 0) << describe(run.status) << "\n" << run.err;
  EXPECT_NE(run.out.find("pass --site"), std::string::npos) << run.out;
}

TEST_F(AuthoringCommands, SiteVariableMissingFromSite) {
  // sites/simulator.yaml takes its base URL from --var sim_url.
  ProcessResult run = run_probe({"validate", "suites/smoke", "--site", "sites/simulator.yaml"});
  EXPECT_EQ(run.status.exit_code, 2) << describe(run.status);
  EXPECT_TRUE(std::regex_search(
      run.err, std::regex(R"(sites/simulator\.yaml:\d+:11: error: undefined variable 'sim_url')")))
      << run.err;
}

TEST_F(AuthoringCommands, ValidateNeedsNoSecrets) {
  // The secrets of sites/simulator.yaml come from TAPIS_* variables, which run_probe drops.
  ProcessResult run = run_probe({"validate", "suites/smoke/systems.yaml", "--site",
                                 "sites/simulator.yaml", "--var", "sim_url=http://127.0.0.1:9"});
  EXPECT_EQ(run.status.exit_code, 0) << describe(run.status) << "\n" << run.err;
}

TEST_F(AuthoringCommands, ListShowsTagsAndRows) {
  ProcessResult run = run_probe({"list", kTagged, "--tag", "read"});
  EXPECT_EQ(run.status.exit_code, 0) << describe(run.status) << "\n" << run.err;
  EXPECT_EQ(run.out,
            "tagged (tests/e2e/cases/selection/tagged.yaml)\n"
            "  read systems  [offline, read]  (skipped: selection only)\n"
            "  read apps 1  [offline, read]  (skipped: selection only)\n"
            "  read apps 2  [offline, read]  (skipped: selection only)\n"
            "3 tests in 1 suite\n");
}

TEST_F(AuthoringCommands, ListJsonForScripts) {
  ProcessResult run = run_probe({"list", kTagged, "--tag", "read", "--json"});
  ASSERT_EQ(run.status.exit_code, 0) << describe(run.status) << "\n" << run.err;
  nlohmann::json listed = nlohmann::json::parse(run.out, nullptr, false);
  ASSERT_FALSE(listed.is_discarded()) << run.out;

  EXPECT_EQ(listed["tests"], 3);
  ASSERT_EQ(listed["suites"].size(), 1u) << run.out;
  const nlohmann::json& suite = listed["suites"][0];
  EXPECT_EQ(suite["name"], "tagged");
  EXPECT_EQ(suite["file"], kTagged);
  ASSERT_EQ(suite["tests"].size(), 3u) << run.out;
  const nlohmann::json& first = suite["tests"][0];
  EXPECT_EQ(first["name"], "read systems");
  EXPECT_EQ(first["tags"], nlohmann::json({"offline", "read"}));
  EXPECT_EQ(first["skip"], "selection only");
  EXPECT_TRUE(first["location"].get<std::string>().starts_with(std::string(kTagged) + ":"))
      << first["location"];
}

TEST_F(AuthoringCommands, ListShardsCoverEveryTest) {
  int total = 0;
  for (const char* shard : {"1/2", "2/2"}) {
    ProcessResult run = run_probe({"list", kTagged, "--shard", shard});
    EXPECT_EQ(run.status.exit_code, 0) << describe(run.status) << "\n" << run.err;
    total += count_lines_containing(run.out, "(skipped: selection only)");
  }
  EXPECT_EQ(total, 4);
}

TEST_F(AuthoringCommands, RunReportsOnlySelectedTests) {
  ReportPaths reports = report_paths();
  ProcessResult run = run_probe(
      concat({{"run", kTagged, "--site", kOfflineSite, "--skip-tag", "write", "--filter", "apps"},
              report_args(reports)}));
  EXPECT_EQ(run.status.exit_code, 0) << describe(run.status) << "\n" << run.err;
  std::ifstream in(reports.junit);
  std::stringstream junit;
  junit << in.rdbuf();
  EXPECT_NE(junit.str().find("read apps 1"), std::string::npos) << junit.str();
  EXPECT_NE(junit.str().find("read apps 2"), std::string::npos) << junit.str();
  EXPECT_EQ(junit.str().find("read systems"), std::string::npos) << junit.str();
  EXPECT_EQ(junit.str().find("write systems"), std::string::npos) << junit.str();
}

TEST_F(AuthoringCommands, RunWithEmptySelectionExits2) {
  ProcessResult run =
      run_probe({"run", kTagged, "--site", kOfflineSite, "--filter", "no test is named so"});
  EXPECT_EQ(run.status.exit_code, 2) << describe(run.status);
  EXPECT_NE(run.err.find("no test matches"), std::string::npos) << run.err;
}

TEST_F(AuthoringCommands, RunChecksVariablesBeforeSending) {
  std::string suite = write_file("undefined.yaml",
                                 "name: u\ntests:\n  - name: t\n    steps:\n"
                                 "      - request: {url: \"/v3/${nothing_defines_this}\"}\n");
  ProcessResult run = run_probe({"run", suite, "--site", kOfflineSite});
  EXPECT_EQ(run.status.exit_code, 2) << describe(run.status);
  EXPECT_NE(run.err.find(":5:24: error: undefined variable 'nothing_defines_this'"),
            std::string::npos)
      << run.err;
}

}  // namespace
}  // namespace probe::e2e
