// Neither password nor any token reaches the console or the reports, in passing and failing
// runs, with and without --verbose.
#include <gtest/gtest.h>
#include <httplib.h>

#include "e2e_test.h"
#include "paths.h"
#include "suite_files.h"

namespace probe::e2e {
namespace {

using SecretsSuite = SimulatorTest;

// The simulator's tokens are JWTs. A JWT header is JSON starting with {", which base64url
// encodes as "eyJ".
constexpr const char* kJwtStart = "eyJ";

void expect_no_secrets(const std::string& source, const std::string& text) {
  for (const char* secret : {kUserPassword, kServicePassword, kJwtStart}) {
    size_t found = text.find(secret);
    EXPECT_EQ(found, std::string::npos)
        << source << " contains '" << secret << "' at offset " << found << ":\n"
        << text.substr(found == std::string::npos ? 0 : found - std::min<size_t>(found, 200), 400);
  }
}

void expect_run_keeps_secrets(const ProcessResult& run, const ReportPaths& reports) {
  expect_no_secrets("stdout", run.out);
  expect_no_secrets("stderr", run.err);
  expect_no_secrets(reports.junit, read_file(reports.junit));
  expect_no_secrets(reports.tap, read_file(reports.tap));
}

// Mints a token the way the runner does, to show that the "eyJ" check can find one.
std::string mint_user_token(const std::string& url) {
  httplib::Client client(url);
  nlohmann::json body = {
      {"username", "testuser"}, {"password", kUserPassword}, {"grant_type", "password"}};
  auto response = client.Post("/v3/oauth2/tokens", body.dump(), "application/json");
  if (!response)
    return {};
  return nlohmann::json::parse(response->body)
      .value(nlohmann::json::json_pointer("/result/access_token/access_token"), "");
}

TEST_F(SecretsSuite, PassingRunMasksSecrets) {
  Simulator& sim = start_simulator();
  ASSERT_TRUE(mint_user_token(sim.url()).starts_with(kJwtStart));

  ReportPaths reports = report_paths();
  ProcessResult run =
      run_probe(concat({{"run", "suites/smoke", "--verbose"}, site_args(), report_args(reports)}),
                simulator_secrets());

  ASSERT_EQ(run.status.exit_code, 0) << describe(run.status) << "\n" << run.out << run.err;
  EXPECT_NE(run.out.find("> GET "), std::string::npos) << "no request lines:\n" << run.out;
  expect_run_keeps_secrets(run, reports);
}

TEST_F(SecretsSuite, FailingRunMasksSecrets) {
  Simulator& sim = start_simulator();
  ASSERT_TRUE(mint_user_token(sim.url()).starts_with(kJwtStart));

  for (bool verbose : {false, true}) {
    SCOPED_TRACE(verbose ? "with --verbose" : "without --verbose");
    ReportPaths reports = report_paths(verbose ? "verbose" : "normal");
    std::vector<std::string> verbosity;
    if (verbose)
      verbosity.push_back("--verbose");
    ProcessResult run = run_probe(concat({{"run", "tests/e2e/cases/secrets.yaml"},
                                          verbosity,
                                          site_args(),
                                          report_args(reports)}),
                                  simulator_secrets());

    EXPECT_EQ(run.status.exit_code, 1) << describe(run.status) << "\n" << run.out << run.err;
    EXPECT_TRUE(reports_are_valid(reports, {.tests = 5, .failures = 3}));
    EXPECT_NE(run.out.find("***"), std::string::npos) << "nothing was masked:\n" << run.out;
    if (verbose) {
      EXPECT_NE(run.out.find("> X-Echo: ***"), std::string::npos) << run.out;
    }
    expect_run_keeps_secrets(run, reports);
  }
}

}  // namespace
}  // namespace probe::e2e
