// HTTP behaviour against python3-httpbin: redirects, compression, methods, authentication,
// status codes, echoed requests, time limits and body limits.
#include <gtest/gtest.h>

#include <regex>

#include "e2e_test.h"

namespace probe::e2e {
namespace {

using Httpbin = HttpbinTest;

// Checks the exit code and both reports of a run.
void expect_run(const ProcessResult& run, const ReportPaths& reports, int exit_code,
                const ReportCounts& counts) {
  EXPECT_EQ(run.status.exit_code, exit_code) << describe(run.status) << "\n" << run.out << run.err;
  EXPECT_TRUE(reports_are_valid(reports, counts));
}

TEST_F(Httpbin, RedirectsFollowed) {
  ReportPaths reports = report_paths();
  ProcessResult run = run_case("redirects", reports, {"--verbose"});
  expect_run(run, reports, 0, {.tests = 1});
  EXPECT_NE(run.out.find("3 redirects"), std::string::npos) << run.out;
}

TEST_F(Httpbin, RedirectLoopErrors) {
  ReportPaths reports = report_paths();
  ProcessResult run = run_case("redirect-loop", reports);
  expect_run(run, reports, 1, {.tests = 1, .errors = 1});
  EXPECT_TRUE(std::regex_search(run.out, std::regex("step 'step 1': .*\\(5\\) redirects")))
      << run.out;
  EXPECT_EQ(xpath_count(reports.junit, "//testcase/error[contains(@message, 'redirects')]"), 1);
}

TEST_F(Httpbin, GzipAndDeflateDecoded) {
  ReportPaths reports = report_paths();
  ProcessResult run = run_case("compression", reports);
  expect_run(run, reports, 0, {.tests = 2});
}

TEST_F(Httpbin, HeadHasContentLength) {
  ReportPaths reports = report_paths();
  ProcessResult run = run_case("head", reports);
  expect_run(run, reports, 0, {.tests = 1});
}

TEST_F(Httpbin, NoContentEmptyBody) {
  ReportPaths reports = report_paths();
  ProcessResult run = run_case("no-content", reports);
  expect_run(run, reports, 0, {.tests = 1});
}

TEST_F(Httpbin, BasicAuth) {
  ReportPaths reports = report_paths();
  ProcessResult run = run_case("basic-auth", reports);
  expect_run(run, reports, 0, {.tests = 2});
}

TEST_F(Httpbin, StatusCodes) {
  ReportPaths reports = report_paths();
  ProcessResult run = run_case("status-codes", reports);
  expect_run(run, reports, 1, {.tests = 2, .failures = 1});
  EXPECT_EQ(
      xpath_count(reports.junit, "//testcase[@name='server error where 200 expected']/failure"), 1);
  EXPECT_NE(run.out.find("actual:   500"), std::string::npos) << run.out;
}

TEST_F(Httpbin, RequestEchoed) {
  ReportPaths reports = report_paths();
  ProcessResult run = run_case("echo", reports);
  expect_run(run, reports, 0, {.tests = 3});
}

TEST_F(Httpbin, DelayPastTimeoutErrors) {
  ReportPaths reports = report_paths();
  ProcessResult run = run_case("delay", reports);
  expect_run(run, reports, 1, {.tests = 1, .errors = 1});
  EXPECT_NE(run.out.find("timed out"), std::string::npos) << run.out;
  // The 1 s request limit, plus start-up and report writing.
  EXPECT_LT(run.seconds, 2.5);
}

TEST_F(Httpbin, RequestCutByMaxTimeSaysSo) {
  ReportPaths reports = report_paths();
  ProcessResult run = run_case("delay", reports, {"--max-time", "0.5"});
  expect_run(run, reports, 1, {.tests = 1, .errors = 1});
  EXPECT_NE(run.out.find("the run's --max-time was reached"), std::string::npos) << run.out;
  EXPECT_EQ(run.out.find("timed out"), std::string::npos) << run.out;
}

TEST_F(Httpbin, LargeBodyErrors) {
  ReportPaths reports = report_paths();
  ProcessResult run = run_case("large-body", reports, {"--max-body", "0.01"});
  EXPECT_EQ(run.status.signal, 0) << describe(run.status) << "\n" << run.err;
  expect_run(run, reports, 1, {.tests = 1, .errors = 1});
  EXPECT_NE(run.out.find("larger than"), std::string::npos) << run.out;
}

// Checks that no form of a secret reaches stdout or either report.
void expect_secret_masked(const ProcessResult& run, const ReportPaths& reports,
                          const std::vector<std::string>& forms) {
  for (const std::string& form : forms) {
    EXPECT_EQ(run.out.find(form), std::string::npos) << "stdout contains " << form << ":\n"
                                                     << run.out;
    EXPECT_EQ(read_file(reports.junit).find(form), std::string::npos) << reports.junit;
    EXPECT_EQ(read_file(reports.tap).find(form), std::string::npos) << reports.tap;
  }
}

// Arguments that run tests/e2e/cases/httpbin/NAME.yaml with a site whose secret is read from
// E2E_SECRET, with --verbose so that request and response lines are printed too.
std::vector<std::string> secret_case_args(const std::string& name, const std::string& url,
                                          const ReportPaths& reports) {
  return concat(
      {{"run", "tests/e2e/cases/httpbin/" + name + ".yaml", "--site",
        "tests/e2e/cases/sites/httpbin-secret.yaml", "--var", "httpbin_url=" + url, "--verbose"},
       {"--junit", reports.junit, "--tap", reports.tap}});
}

TEST_F(Httpbin, SecretAtCutMasked) {
  const std::string secret = "SuperSecretValue123";
  ReportPaths reports = report_paths();
  ProcessResult run = run_probe(concat({secret_case_args("secret-cut", httpbin_url(), reports),
                                        {"--var", "padding=" + std::string(275, 'x')}}),
                                {{"E2E_SECRET", secret}});

  expect_run(run, reports, 1, {.tests = 1, .failures = 1});
  // The cut leaves a prefix of the secret, so its first 6 characters are searched for.
  expect_secret_masked(run, reports, {secret.substr(0, 6)});
}

TEST_F(Httpbin, EchoedBasicAuthMasked) {
  const std::string secret = "SuperSecretValue123";
  ReportPaths reports = report_paths();
  ProcessResult run = run_probe(secret_case_args("basic-auth-echo", httpbin_url(), reports),
                                {{"E2E_SECRET", secret}});

  expect_run(run, reports, 1, {.tests = 1, .failures = 1});
  // base64("someone:SuperSecretValue123")
  expect_secret_masked(run, reports, {secret, "c29tZW9uZTpTdXBlclNlY3JldFZhbHVlMTIz"});
}

}  // namespace
}  // namespace probe::e2e
