// Shared by the report writer tests: a result tree that exercises every hard case, golden
// file comparison, and running external checkers.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>

#include "report.h"
#include "result.h"

namespace probe::testing {

inline std::filesystem::path test_data_dir() {
  return PROBE_TEST_DATA;
}

// Returns where the report consumer checker would be: beside the repository in the
// development setup. A plain clone has none, so callers skip when the file is missing.
inline std::filesystem::path check_reports_path() {
  return (test_data_dir() / ".." / ".." / ".." / "shared" / "tools" / "check-reports")
      .lexically_normal();
}

inline std::string render(const Reporter& reporter, const RunResult& run) {
  std::ostringstream out;
  reporter.write(run, out);
  return out.str();
}

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

inline void write_file(const std::filesystem::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

// Compares `actual` with tests/data/golden/NAME byte for byte. On a mismatch writes
// NAME.actual beside the golden file. PROBE_UPDATE_GOLDEN=1 rewrites the golden file.
inline void expect_matches_golden(const std::string& name, const std::string& actual) {
  const std::filesystem::path golden = test_data_dir() / "golden" / name;
  std::filesystem::path actual_path = golden;
  actual_path += ".actual";

  const char* update = std::getenv("PROBE_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    write_file(golden, actual);
    std::filesystem::remove(actual_path);
    return;
  }

  ASSERT_TRUE(std::filesystem::exists(golden))
      << "golden file " << golden << " is missing; run with PROBE_UPDATE_GOLDEN=1 to create it";
  if (read_file(golden) == actual) {
    std::filesystem::remove(actual_path);
    return;
  }
  write_file(actual_path, actual);
  ADD_FAILURE() << "output differs from golden file " << golden << "; the output was written to "
                << actual_path << ". Compare them with diff, and if the change is intended, "
                << "rerun with PROBE_UPDATE_GOLDEN=1 to accept it.";
}

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs `command` through /bin/sh and returns its exit code and combined output.
inline CommandResult run_command(const std::string& command) {
  CommandResult result;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr)
    return result;

  std::array<char, 4096> chunk{};
  std::size_t size = 0;
  while ((size = std::fread(chunk.data(), 1, chunk.size(), pipe)) > 0) {
    result.output.append(chunk.data(), size);
  }
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

inline std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

inline bool command_exists(const std::string& name) {
  return run_command("command -v " + shell_quote(name)).exit_code == 0;
}

// A folder under the system temporary folder, removed with its content on destruction.
class TemporaryFolder {
 public:
  TemporaryFolder() {
    std::string pattern = (std::filesystem::temp_directory_path() / "probe-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw std::system_error(errno, std::generic_category(), "cannot create folder " + pattern);
    }
    path_ = pattern;
  }
  ~TemporaryFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TemporaryFolder(const TemporaryFolder&) = delete;
  TemporaryFolder& operator=(const TemporaryFolder&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline AssertionResult assertion(std::string subject, std::string op, std::string expected,
                                 std::string actual, bool passed, int line = 0) {
  AssertionResult result;
  result.subject = std::move(subject);
  result.op = std::move(op);
  result.expected = std::move(expected);
  result.actual = std::move(actual);
  result.passed = passed;
  if (line > 0)
    result.location = {"suites/smoke.yaml", line, 9};
  return result;
}

inline TestResult test_result(std::string name, Outcome outcome, std::string message = "",
                              double seconds = 0) {
  TestResult result;
  result.name = std::move(name);
  result.outcome = outcome;
  result.message = std::move(message);
  result.seconds = seconds;
  return result;
}

// The smoke suite: one test of each outcome, several failed assertions in one test,
// step details, a multi-line message and markup characters in properties.
inline SuiteResult smoke_suite() {
  SuiteResult suite;
  suite.name = "tenant smoke";
  suite.file = "suites/smoke.yaml";
  suite.timestamp = "2026-12-04T16:25:52";
  suite.hostname = "ci-runner-7";
  suite.seconds = 3.4567;
  suite.properties = {{"site", "tacc"},
                      {"tenant", "dev"},
                      {"tool version", "0.1.0"},
                      {"suite file", "suites/smoke.yaml"},
                      {"note", "a & b < c > d \"e\" 'f'"}};

  TestResult token = test_result("get token", Outcome::passed, "", 0.1204);
  token.location = {"suites/smoke.yaml", 3, 3};
  StepResult request_token;
  request_token.name = "request token";
  request_token.request_line = "POST https://dev.tapis.io/v3/oauth2/tokens";
  request_token.status = 200;
  request_token.seconds = 0.12;
  request_token.location = {"suites/smoke.yaml", 4, 5};
  request_token.log = {"> POST https://dev.tapis.io/v3/oauth2/tokens", "< 200 OK",
                       "< {\"result\": {\"access_token\": {\"access_token\": \"***\"}}}"};
  request_token.assertions = {
      assertion("status", "eq", "200", "200", true, 7),
      assertion("json $.result.access_token.access_token", "exists", "", "\"***\"", true, 8)};
  token.steps.push_back(request_token);

  TestResult actor = test_result("create actor", Outcome::failed, "", 0.5);
  actor.location = {"suites/smoke.yaml", 10, 3};
  StepResult register_actor;
  register_actor.name = "register";
  register_actor.request_line = "POST https://dev.tapis.io/v3/actors";
  register_actor.status = 200;
  register_actor.seconds = 0.2;
  register_actor.location = {"suites/smoke.yaml", 11, 5};
  register_actor.assertions = {assertion("status", "eq", "200", "200", true, 12)};
  StepResult check_actor;
  check_actor.name = "check actor";
  check_actor.outcome = Outcome::failed;
  check_actor.request_line = "GET https://dev.tapis.io/v3/actors/a1";
  check_actor.status = 500;
  check_actor.seconds = 0.3;
  check_actor.location = {"suites/smoke.yaml", 14, 5};
  check_actor.log = {"> GET https://dev.tapis.io/v3/actors/a1", "< 500 Internal Server Error"};
  check_actor.assertions = {assertion("status", "eq", "201", "500", false, 15),
                            assertion("header Content-Type", "eq", "\"application/json\"",
                                      "\"application/json\"", true, 16),
                            assertion("json $.result.id", "exists", "", "(missing)", false, 17)};
  actor.steps = {register_actor, check_actor};

  TestResult apps =
      test_result("list apps", Outcome::error, "connection refused: dev.tapis.io:443", 2.5);
  apps.location = {"suites/smoke.yaml", 20, 3};
  StepResult list;
  list.name = "list";
  list.outcome = Outcome::error;
  list.request_line = "GET https://dev.tapis.io/v3/apps";
  list.seconds = 2.5;
  list.error = "connection refused: dev.tapis.io:443";
  list.location = {"suites/smoke.yaml", 21, 5};
  list.details = {{"attempts", "3"}, {"elapsed", "2.500 s"}};
  apps.steps.push_back(list);

  TestResult delete_actor =
      test_result("delete actor", Outcome::skipped, "needs 'create actor', which failed", 0);
  delete_actor.location = {"suites/smoke.yaml", 25, 3};

  TestResult poll =
      test_result("poll execution", Outcome::failed,
                  "json $.status eq \"COMPLETE\": actual\n{\n  \"status\": \"FAILED\"\n}", 5.0625);
  poll.location = {"suites/smoke.yaml", 30, 3};
  StepResult wait;
  wait.name = "wait for completion";
  wait.outcome = Outcome::failed;
  wait.request_line = "GET https://dev.tapis.io/v3/actors/a1/executions/e1";
  wait.status = 200;
  wait.seconds = 5.0625;
  wait.location = {"suites/smoke.yaml", 31, 5};
  wait.assertions = {assertion("json $", "eq", "{\"status\": \"COMPLETE\"}",
                               "{\n  \"status\": \"FAILED\"\n}", false, 33)};
  wait.details = {{"poll attempts", "5"}, {"attempt", "5: FAILED"}, {"attempt", "4: RUNNING"}};
  poll.steps.push_back(wait);

  suite.tests = {token, actor, apps, delete_actor, poll};
  return suite;
}

// Names and text that break naive writers: markup characters, TAP directives, "]]>",
// control characters, invalid UTF-8, unicode and line breaks.
inline SuiteResult odd_names_suite() {
  using namespace std::string_literals;

  SuiteResult suite;
  suite.name = "names & <escapes> \"quoted\" 'single'";
  suite.file = "suites/odd names.yaml";
  suite.timestamp = "2026-12-04T16:25:56";
  suite.hostname = "ci-runner-7";
  suite.seconds = 0.75;

  TestResult hash =
      test_result("C# client # TODO not a directive \\ backslash", Outcome::passed, "", 0.001);

  TestResult cdata =
      test_result("name with ]]> and <tags> & \"quotes\"", Outcome::failed, "", 0.25);
  StepResult body;
  body.name = "body ]]> check";
  body.outcome = Outcome::failed;
  body.request_line = "GET https://dev.tapis.io/v3/files/ops/sys1/a&b.txt";
  body.status = 200;
  body.seconds = 0.25;
  body.log = {"< <![CDATA[x]]>y", "< ]]>]]>"};
  body.assertions = {{.subject = "body",
                      .op = "contains",
                      .expected = "\"]]>\"",
                      .actual = "\"<![CDATA[x]]]]><![CDATA[>y\"",
                      .passed = false,
                      .location = {"suites/odd names.yaml", 9, 7}}};
  cdata.steps.push_back(body);

  TestResult control =
      test_result("control \x1b[31mred\x1b[0m bell\x07 nul\0 vt\x0b ff\x0c del\x7f c1\xc2\x85"s,
                  Outcome::error, "unexpected byte \x01 in header\x1f", 0.0004);
  StepResult headers;
  headers.name = "read headers";
  headers.outcome = Outcome::error;
  headers.request_line = "GET https://dev.tapis.io/v3/systems";
  headers.error = "unexpected byte \x01 in header\x1f";
  headers.location = {"suites/odd names.yaml", 14, 5};
  headers.log = {
      "bad \xc3\x28 ff \xff overlong \xc0\xaf surrogate \xed\xa0\x80 nonchar \xef\xbf\xbe end "
      "\xe2\x82"};
  control.steps.push_back(headers);

  TestResult unicode = test_result("unicode naïve ✓ 日本語 😀", Outcome::passed, "", 1e-9);
  StepResult greet;
  greet.name = "grüße";
  greet.request_line = "GET https://dev.tapis.io/v3/meta/caf%C3%A9";
  greet.status = 200;
  greet.log = {"< x-note: tab\there\r", "< body: café ✓"};
  unicode.steps.push_back(greet);

  TestResult lines = test_result("multi\nline\r\nname", Outcome::skipped,
                                 "reason with # hash and \\ backslash\nsecond line", 0);

  TestResult directive = test_result("ok # SKIP not really", Outcome::passed, "", 12345.6789);

  suite.tests = {hash, cdata, control, unicode, lines, directive};
  return suite;
}

inline SuiteResult empty_suite() {
  SuiteResult suite;
  suite.name = "empty";
  suite.file = "suites/empty.yaml";
  suite.timestamp = "2026-12-04T16:25:57";
  return suite;
}

// Counts of sample_run(): 11 tests, 4 passed, 3 failed, 2 errors, 2 skipped.
inline RunResult sample_run() {
  RunResult run;
  run.tool_version = "0.1.0";
  run.started = "2026-12-04T16:25:52";
  run.seconds = 12.3456;
  run.suites = {smoke_suite(), odd_names_suite(), empty_suite()};
  return run;
}

inline RunResult empty_run() {
  RunResult run;
  run.tool_version = "0.1.0";
  run.started = "2026-12-04T16:25:52";
  return run;
}

}  // namespace probe::testing
