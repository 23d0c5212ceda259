// Captures run inside the Executor, so these tests run small suites against a fake HTTP client.
#include <gtest/gtest.h>

#include <string>

#include "fake_http_client.h"

namespace probe {
namespace {

using nlohmann::json;
using testing::json_response;
using testing::OfflineRun;
using testing::text_response;

bool log_contains(const StepResult& step, const std::string& text) {
  for (const std::string& line : step.log) {
    if (line.find(text) != std::string::npos)
      return true;
  }
  return false;
}

// Builds a suite whose one test captures `x` with `capture` from GET /first, then sends it as the
// JSON body of POST /second.
std::string capture_then_send(const std::string& capture) {
  return R"(name: captures
tests:
  - name: capture and reuse
    steps:
      - request: {url: /first}
        capture:
          x: )" +
         capture +
         R"(
      - request:
          method: POST
          url: /second
          json:
            value: ${x}
)";
}

// Runs capture_then_send(capture) with `first` as the response to GET /first and returns the
// JSON body that POST /second received, or null when it was not sent.
json captured_value(OfflineRun& run, const std::string& capture, const HttpResponse& first) {
  run.client.on("GET", "https://tapis.test/first", first);
  run.client.on("POST", "https://tapis.test/second", json_response(200, json::object()));

  SuiteResult result = run.run(capture_then_send(capture));

  EXPECT_EQ(result.tests.at(0).outcome, Outcome::passed) << result.tests.at(0).message;
  if (run.client.requests.size() != 2)
    return nullptr;
  return json::parse(run.client.requests[1].body)["value"];
}

TEST(Capture, SingularJsonPathKeepsType) {
  OfflineRun run;

  json value = captured_value(run, "$.result.id", json_response(200, {{"result", {{"id", 17}}}}));

  EXPECT_TRUE(value.is_number_integer());
  EXPECT_EQ(value, 17);
}

TEST(Capture, SingularJsonPathObject) {
  OfflineRun run;
  json owner = {{"name", "testuser"}, {"roles", {"a", "b"}}};

  json value = captured_value(run, "{json: $.result.owner}",
                              json_response(200, {{"result", {{"owner", owner}}}}));

  EXPECT_EQ(value, owner);
}

TEST(Capture, NonSingularJsonPathIsList) {
  OfflineRun run;
  json body = {{"result", {{{"id", "a"}}, {{"id", "b"}}, {{"id", "c"}}}}};

  json value = captured_value(run, "$.result[*].id", json_response(200, body));

  EXPECT_EQ(value, json({"a", "b", "c"}));
}

TEST(Capture, FilterWithOneMatchIsList) {
  OfflineRun run;
  json body = {{"result", {{{"id", "only"}}}}};

  json value = captured_value(run, "$.result[?@.id == 'only'].id", json_response(200, body));

  EXPECT_EQ(value, json({"only"}));
}

TEST(Capture, HeaderNameIsCaseInsensitive) {
  OfflineRun run;
  HttpResponse response =
      json_response(201, json::object(), {{"Location", "https://tapis.test/v3/jobs/j-1"}});

  json value = captured_value(run, "{header: LOCATION}", response);

  EXPECT_EQ(value, "https://tapis.test/v3/jobs/j-1");
}

TEST(Capture, RegexGroup) {
  OfflineRun run;

  json value = captured_value(run, R"({regex: 'uuid=([0-9a-f-]+);'})",
                              text_response(200, "job uuid=4f3c-99aa; state=QUEUED"));

  EXPECT_EQ(value, "4f3c-99aa");
}

TEST(Capture, RegexChosenGroupAndWholeMatch) {
  OfflineRun run_second;
  OfflineRun run_whole;
  HttpResponse response = text_response(200, "id=7 name=alpha");

  json second = captured_value(run_second, R"({regex: 'id=(\d+) name=(\w+)', group: 2})", response);
  json whole = captured_value(run_whole, R"({regex: 'id=\d+', group: 0})", response);

  EXPECT_EQ(second, "alpha");
  EXPECT_EQ(whole, "id=7");
}

TEST(Capture, StatusIsInteger) {
  OfflineRun run;

  json value = captured_value(run, "{status: true}", text_response(202, ""));

  EXPECT_TRUE(value.is_number_integer());
  EXPECT_EQ(value, 202);
}

TEST(Capture, BodyIsText) {
  OfflineRun run;

  json value = captured_value(run, "{body: true}", text_response(200, "{\"a\": 1}"));

  EXPECT_EQ(value, "{\"a\": 1}");
}

TEST(Capture, SecretGoesToRedactor) {
  OfflineRun run;
  run.client.on("GET", "https://tapis.test/first",
                json_response(200, {{"result", {{"key", "s3cr3t-value"}}}}));

  SuiteResult result = run.run(R"(name: secret capture
tests:
  - name: capture a key
    steps:
      - request: {url: /first}
        capture:
          key: {json: $.result.key, secret: true}
)");

  ASSERT_EQ(result.tests.at(0).outcome, Outcome::passed) << result.tests.at(0).message;
  const StepResult& step = result.tests[0].steps.at(0);
  EXPECT_TRUE(log_contains(step, "captured key = ***"));
  EXPECT_FALSE(log_contains(step, "captured key = \"s3cr3t-value\""));
  EXPECT_EQ(run.redactor.mask("key is s3cr3t-value."), "key is ***.");
}

TEST(Capture, PlainCaptureIsLogged) {
  OfflineRun run;
  run.client.on("GET", "https://tapis.test/first", json_response(200, {{"id", "abc"}}));

  SuiteResult result = run.run(R"(name: logged capture
tests:
  - name: capture
    steps:
      - request: {url: /first}
        capture: {id: $.id}
)");

  const StepResult& step = result.tests.at(0).steps.at(0);
  EXPECT_TRUE(log_contains(step, "captured id = \"abc\""));
  EXPECT_EQ(run.redactor.mask("abc"), "abc");
}

struct MissingCase {
  std::string capture;
  HttpResponse response;
  std::string error;
};

TEST(Capture, FindingNothingIsError) {
  const MissingCase cases[] = {
      {"$.result.id", json_response(200, {{"result", json::object()}}),
       "capture 'x': $.result.id selects nothing in the body"},
      {"{header: X-Missing}", json_response(200, json::object()),
       "capture 'x': no header 'X-Missing' in the response"},
      {"{regex: 'id=(\\d+)'}", text_response(200, "no ids here"),
       "capture 'x': regex \"id=(\\d+)\" does not match the body"},
  };
  for (const MissingCase& missing : cases) {
    OfflineRun run;
    run.client.on("GET", "https://tapis.test/first", missing.response);

    SuiteResult result = run.run(capture_then_send(missing.capture));

    const TestResult& test = result.tests.at(0);
    EXPECT_EQ(test.outcome, Outcome::error) << missing.capture;
    ASSERT_EQ(test.steps.size(), 1u) << missing.capture;
    EXPECT_EQ(test.steps[0].outcome, Outcome::error);
    EXPECT_EQ(test.steps[0].error, missing.error);
    EXPECT_EQ(run.client.requests.size(), 1u) << "the second step must not run";
  }
}

TEST(Capture, JsonFromNonJsonBodyIsError) {
  OfflineRun run;
  run.client.on("GET", "https://tapis.test/first", text_response(502, "<html>Bad Gateway</html>"));

  SuiteResult result = run.run(capture_then_send("$.result.id"));

  const StepResult& step = result.tests.at(0).steps.at(0);
  EXPECT_EQ(step.outcome, Outcome::error);
  EXPECT_TRUE(step.error.starts_with("capture 'x': the body is not JSON")) << step.error;
}

TEST(Capture, EmptyNodeListIsError) {
  OfflineRun run;
  run.client.on("GET", "https://tapis.test/first", json_response(200, {{"result", json::array()}}));

  SuiteResult result = run.run(capture_then_send("$.result[*].id"));

  const TestResult& test = result.tests.at(0);
  EXPECT_EQ(test.outcome, Outcome::error);
  ASSERT_EQ(test.steps.size(), 1u);
  EXPECT_EQ(test.steps[0].error, "capture 'x': $.result[*].id selects nothing in the body");
}

TEST(Capture, UnmatchedOptionalGroupIsError) {
  OfflineRun run;
  run.client.on("GET", "https://tapis.test/first", text_response(200, "state=DONE"));

  SuiteResult result = run.run(capture_then_send(R"({regex: 'state=DONE( code=\d+)?', group: 1})"));

  const TestResult& test = result.tests.at(0);
  EXPECT_EQ(test.outcome, Outcome::error);
  ASSERT_EQ(test.steps.size(), 1u);
  EXPECT_EQ(test.steps[0].outcome, Outcome::error);
  EXPECT_NE(test.steps[0].error.find("group 1"), std::string::npos) << test.steps[0].error;
}

TEST(Capture, MissingAfterFailedAssertionStaysFailure) {
  OfflineRun run;
  run.client.on("GET", "https://tapis.test/first", json_response(404, {{"message", "not found"}}));

  SuiteResult result = run.run(R"(name: failure first
tests:
  - name: missing job
    steps:
      - request: {url: /first}
        assert: {status: 200}
        capture: {id: $.result.id}
)");

  const TestResult& test = result.tests.at(0);
  EXPECT_EQ(test.outcome, Outcome::failed);
  const StepResult& step = test.steps.at(0);
  EXPECT_EQ(step.outcome, Outcome::failed);
  EXPECT_TRUE(step.error.empty()) << step.error;
  EXPECT_TRUE(log_contains(step, "! capture 'id': $.result.id selects nothing in the body"));
}

TEST(Capture, ValuesStayInsideTheirTest) {
  OfflineRun run;
  run.client.on("GET", "https://tapis.test/first", json_response(200, {{"id", "j-1"}}));

  SuiteResult result = run.run(R"(name: isolation
tests:
  - name: captures
    steps:
      - request: {url: /first}
        capture: {id: $.id}
      - request:
          url: /jobs/${id}
  - name: does not see the capture
    steps:
      - request:
          url: /jobs/${id}
)");

  ASSERT_EQ(result.tests.size(), 2u);
  EXPECT_EQ(run.client.requests.at(1).url, "https://tapis.test/jobs/j-1");
  EXPECT_EQ(result.tests[1].outcome, Outcome::error);
  EXPECT_NE(result.tests[1].steps.at(0).error.find("undefined variable 'id'"), std::string::npos)
      << result.tests[1].steps.at(0).error;
  EXPECT_EQ(run.client.requests.size(), 2u);
}

TEST(Capture, LaterCaptureReplacesEarlier) {
  OfflineRun run;
  run.client.on("GET", "https://tapis.test/a", json_response(200, {{"id", 1}}));
  run.client.on("GET", "https://tapis.test/b", json_response(200, {{"id", 2}}));

  SuiteResult result = run.run(R"(name: replace
tests:
  - name: twice
    steps:
      - request: {url: /a}
        capture: {id: $.id}
      - request: {url: /b}
        capture: {id: $.id}
      - request:
          url: /items/${id}
)");

  ASSERT_EQ(run.client.requests.size(), 3u);
  EXPECT_EQ(run.client.requests[2].url, "https://tapis.test/items/2");
}

}  // namespace
}  // namespace probe
