#include "executor.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>

#include "fake_http_client.h"

namespace probe {
namespace {

using nlohmann::json;
using testing::find_header;
using testing::json_response;
using testing::OfflineRun;
using testing::text_response;

// Builds a suite with one test of one step that sends `request` (YAML lines indented for a step).
std::string one_request(const std::string& request, const std::string& preamble = {}) {
  return "name: one request\n" + preamble + "tests:\n  - name: t\n    steps:\n      - request:\n" +
         request;
}

TEST(Executor, RelativeUrlUsesBaseUrl) {
  OfflineRun run("name: s\nbase_url: https://tapis.test/prefix/\n");

  run.run(one_request("          url: /v3/systems\n"));

  ASSERT_EQ(run.client.requests.size(), 1u);
  EXPECT_EQ(run.client.requests[0].method, "GET");
  EXPECT_EQ(run.client.requests[0].url, "https://tapis.test/prefix/v3/systems");
}

TEST(Executor, AbsoluteUrlIsKept) {
  OfflineRun run;

  run.run(one_request("          url: http://other.test:8080/x?y=1\n"));

  ASSERT_EQ(run.client.requests.size(), 1u);
  EXPECT_EQ(run.client.requests[0].url, "http://other.test:8080/x?y=1");
}

TEST(Executor, UrlWithoutSchemeIsError) {
  OfflineRun run;

  SuiteResult result = run.run(one_request("          url: tapis.test/v3/systems\n"));

  EXPECT_TRUE(run.client.requests.empty());
  const StepResult& step = result.tests.at(0).steps.at(0);
  EXPECT_EQ(step.outcome, Outcome::error);
  EXPECT_NE(step.error.find("invalid URL \"tapis.test/v3/systems\""), std::string::npos)
      << step.error;
}

TEST(Executor, QueryIsEncoded) {
  OfflineRun run;

  run.run(
      one_request("          url: /v3/jobs/list\n"
                  "          query:\n"
                  "            limit: 10\n"
                  "            search: \"(name.like.a b&c=d)\"\n"
                  "            z: é\n"));

  ASSERT_EQ(run.client.requests.size(), 1u);
  EXPECT_EQ(
      run.client.requests[0].url,
      "https://tapis.test/v3/jobs/list?limit=10&search=%28name.like.a%20b%26c%3Dd%29&z=%C3%A9");
}

TEST(Executor, QueryAppendsToExistingQuery) {
  OfflineRun run;

  run.run(one_request("          url: /v3/apps?select=id\n          query: {limit: 5}\n"));

  ASSERT_EQ(run.client.requests.size(), 1u);
  EXPECT_EQ(run.client.requests[0].url, "https://tapis.test/v3/apps?select=id&limit=5");
}

TEST(Executor, JsonBody) {
  OfflineRun run;

  run.run(
      one_request("          method: POST\n"
                  "          url: /v3/apps\n"
                  "          json:\n"
                  "            id: app-1\n"
                  "            version: \"1.0\"\n"
                  "            cores: 4\n"
                  "            tags: [a, b]\n"));

  ASSERT_EQ(run.client.requests.size(), 1u);
  const HttpRequest& request = run.client.requests[0];
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(json::parse(request.body),
            (json{{"id", "app-1"}, {"version", "1.0"}, {"cores", 4}, {"tags", {"a", "b"}}}));
  ASSERT_NE(find_header(request, "Content-Type"), nullptr);
  EXPECT_EQ(*find_header(request, "Content-Type"), "application/json");
}

TEST(Executor, JsonBodyKeepsExplicitContentType) {
  OfflineRun run;

  run.run(
      one_request("          method: PUT\n"
                  "          url: /v3/x\n"
                  "          headers: {content-type: application/vnd.tapis+json}\n"
                  "          json: {a: 1}\n"));

  ASSERT_EQ(run.client.requests.size(), 1u);
  const HttpRequest& request = run.client.requests[0];
  ASSERT_EQ(request.headers.size(), 1u);
  EXPECT_EQ(request.headers[0].second, "application/vnd.tapis+json");
}

TEST(Executor, FormBody) {
  OfflineRun run;

  run.run(
      one_request("          method: POST\n"
                  "          url: /v3/oauth2/tokens\n"
                  "          form:\n"
                  "            grant_type: password\n"
                  "            username: a b&c\n"));

  ASSERT_EQ(run.client.requests.size(), 1u);
  const HttpRequest& request = run.client.requests[0];
  EXPECT_EQ(request.body, "grant_type=password&username=a%20b%26c");
  ASSERT_NE(find_header(request, "Content-Type"), nullptr);
  EXPECT_EQ(*find_header(request, "Content-Type"), "application/x-www-form-urlencoded");
}

TEST(Executor, RawBody) {
  OfflineRun run;

  run.run(
      one_request("          method: POST\n"
                  "          url: /upload\n"
                  "          body: \"line one\\nline two\"\n"));

  ASSERT_EQ(run.client.requests.size(), 1u);
  const HttpRequest& request = run.client.requests[0];
  EXPECT_EQ(request.body, "line one\nline two");
  EXPECT_EQ(find_header(request, "Content-Type"), nullptr);
}

TEST(Executor, DefaultHeadersMerge) {
  OfflineRun run;

  run.run(one_request(
      "          url: /x\n"
      "          headers:\n"
      "            x-trace: from-step\n"
      "            X-Extra: extra\n",
      "defaults:\n  headers:\n    Accept: application/json\n    X-Trace: from-defaults\n"));

  ASSERT_EQ(run.client.requests.size(), 1u);
  const HttpRequest& request = run.client.requests[0];
  EXPECT_EQ(request.headers.size(), 3u);
  ASSERT_NE(find_header(request, "Accept"), nullptr);
  EXPECT_EQ(*find_header(request, "Accept"), "application/json");
  ASSERT_NE(find_header(request, "X-Trace"), nullptr);
  EXPECT_EQ(*find_header(request, "X-Trace"), "from-step");
  ASSERT_NE(find_header(request, "X-Extra"), nullptr);
  EXPECT_EQ(*find_header(request, "X-Extra"), "extra");
}

TEST(Executor, TimeoutPrecedence) {
  OfflineRun run("name: s\nbase_url: https://tapis.test\ntimeout: 7s\n");

  run.run(R"(name: timeouts
defaults: {timeout: 2m}
tests:
  - name: t
    steps:
      - request: {url: /default}
      - request: {url: /own, timeout: 500ms}
)");
  OfflineRun site_only("name: s\nbase_url: https://tapis.test\ntimeout: 7s\n");
  site_only.run(one_request("          url: /x\n"));

  ASSERT_EQ(run.client.requests.size(), 2u);
  EXPECT_DOUBLE_EQ(run.client.requests[0].timeout_seconds, 120);
  EXPECT_DOUBLE_EQ(run.client.requests[1].timeout_seconds, 0.5);
  ASSERT_EQ(site_only.client.requests.size(), 1u);
  EXPECT_DOUBLE_EQ(site_only.client.requests[0].timeout_seconds, 7);
}

TEST(Executor, StepsStopAtFirstFailure) {
  OfflineRun run;
  run.client.on("GET", "https://tapis.test/first", json_response(500, {{"message", "boom"}}));

  SuiteResult result = run.run(R"(name: stops
tests:
  - name: two steps
    steps:
      - name: create
        request: {url: /first}
        assert: {status: 200}
      - name: read
        request: {url: /second}
  - name: next test runs
    steps:
      - request: {url: /third}
)");

  const TestResult& test = result.tests.at(0);
  EXPECT_EQ(test.outcome, Outcome::failed);
  EXPECT_EQ(test.steps.size(), 1u);
  EXPECT_EQ(test.message, "create: status: expected 200, actual 500");
  EXPECT_EQ(run.client.count("GET", "https://tapis.test/second"), 0);
  EXPECT_EQ(run.client.count("GET", "https://tapis.test/third"), 1);
}

TEST(Executor, FailedStepLogsBodyExcerpt) {
  OfflineRun run;
  run.client.on("GET", "https://tapis.test/first", text_response(500, "internal detail"));

  SuiteResult result =
      run.run(one_request("          url: /first\n        assert: {status: 200}\n"));

  const StepResult& step = result.tests.at(0).steps.at(0);
  ASSERT_FALSE(step.log.empty());
  EXPECT_EQ(step.log.back(), "< internal detail");
  EXPECT_EQ(step.request_line, "GET https://tapis.test/first");
  EXPECT_EQ(step.status, 500);
}

TEST(Executor, AllAssertionsOfStepAreChecked) {
  OfflineRun run;
  run.client.on("GET", "https://tapis.test/x", json_response(200, {{"a", 1}, {"b", 2}}));

  SuiteResult result =
      run.run(one_request("          url: /x\n"
                          "        assert:\n"
                          "          status: 201\n"
                          "          json:\n"
                          "            $.a: 1\n"
                          "            $.b: 3\n"));

  const StepResult& step = result.tests.at(0).steps.at(0);
  ASSERT_EQ(step.assertions.size(), 3u);
  EXPECT_FALSE(step.assertions[0].passed);
  EXPECT_TRUE(step.assertions[1].passed);
  EXPECT_FALSE(step.assertions[2].passed);
  EXPECT_EQ(step.outcome, Outcome::failed);
}

TEST(Executor, SkippedTestSendsNothing) {
  OfflineRun run;

  SuiteResult result = run.run(R"(name: skip
tests:
  - name: later
    skip: waiting for the Pods service on this site
    steps:
      - request: {url: /v3/pods}
)");

  EXPECT_TRUE(run.client.requests.empty());
  EXPECT_EQ(result.tests.at(0).outcome, Outcome::skipped);
  EXPECT_EQ(result.tests[0].message, "waiting for the Pods service on this site");
  EXPECT_EQ(count(result).skipped, 1);
}

TEST(Executor, TransportErrorIsError) {
  OfflineRun run;
  run.client.fallback([](const HttpRequest&) {
    return testing::FakeHttpClient::Result(
        std::unexpected(HttpError{HttpErrorKind::connect, "connection refused"}));
  });

  SuiteResult result = run.run(one_request("          url: /x\n        assert: {status: 200}\n"));

  const TestResult& test = result.tests.at(0);
  EXPECT_EQ(test.outcome, Outcome::error);
  EXPECT_EQ(test.steps.at(0).error, "connection refused");
  EXPECT_TRUE(test.steps[0].assertions.empty());
  EXPECT_EQ(count(result).errors, 1);
  EXPECT_EQ(count(result).failed, 0);
}

TEST(Executor, UndefinedVariableIsErrorWithLocation) {
  OfflineRun run;
  std::string suite = one_request("          url: /v3/systems/${system}\n");

  SuiteResult result = run.run(suite);

  EXPECT_TRUE(run.client.requests.empty());
  const StepResult& step = result.tests.at(0).steps.at(0);
  EXPECT_EQ(step.outcome, Outcome::error);
  EXPECT_TRUE(step.error.ends_with(":6:16: undefined variable 'system'")) << step.error;
}

TEST(Executor, UndefinedVariableInAssertionIsError) {
  OfflineRun run;
  run.client.on("GET", "https://tapis.test/x", json_response(200, {{"id", 1}}));

  SuiteResult result =
      run.run(one_request("          url: /x\n"
                          "        assert:\n"
                          "          json:\n"
                          "            $.id: ${expected_id}\n"));

  const StepResult& step = result.tests.at(0).steps.at(0);
  EXPECT_EQ(step.outcome, Outcome::error);
  EXPECT_TRUE(step.error.ends_with(":9:19: undefined variable 'expected_id'")) << step.error;
}

TEST(Executor, VariablePrecedence) {
  OfflineRun run(R"(name: s
base_url: https://tapis.test
variables:
  a: site-a
  b: site-b
  c: site-c
  d: site-d
)");
  run.options.variables = {{"c", "cli-c"}, {"d", "cli-d"}};
  run.client.on("GET", "https://tapis.test/capture", json_response(200, {{"d", "captured-d"}}));

  run.run(R"(name: precedence
variables:
  b: suite-b
  c: suite-c
  d: suite-d
tests:
  - name: t
    steps:
      - request: {url: /capture}
        capture: {d: $.d}
      - request:
          url: /${a}/${b}/${c}/${d}
)");

  ASSERT_EQ(run.client.requests.size(), 2u);
  EXPECT_EQ(run.client.requests[1].url, "https://tapis.test/site-a/suite-b/cli-c/captured-d");
}

TEST(Executor, CliVariableFeedsSiteTemplates) {
  OfflineRun run("name: s\nbase_url: ${sim_url}\nvariables:\n  user: ${prefix}-user\n");
  run.options.variables = {{"sim_url", "http://127.0.0.1:9999"}, {"prefix", "cli"}};

  run.run(one_request("          url: /v3/${user}\n"));

  ASSERT_EQ(run.client.requests.size(), 1u);
  EXPECT_EQ(run.client.requests[0].url, "http://127.0.0.1:9999/v3/cli-user");
}

TEST(Executor, SuiteVariablesCanReferenceSite) {
  OfflineRun run("name: s\nbase_url: https://tapis.test\nvariables:\n  system: sys-1\n");

  run.run(one_request("          url: ${files}/ops\n",
                      "variables:\n  files: ${base_url}/v3/files/${system}\n"));

  ASSERT_EQ(run.client.requests.size(), 1u);
  EXPECT_EQ(run.client.requests[0].url, "https://tapis.test/v3/files/sys-1/ops");
}

TEST(Executor, VariablesKeepTypeAndQuoting) {
  OfflineRun run;

  run.run(
      one_request("          method: POST\n"
                  "          url: /x\n"
                  "          json: ${payload}\n",
                  "variables:\n"
                  "  n: 5\n"
                  "  label: \"${n}\"\n"
                  "  payload:\n"
                  "    count: ${n}\n"
                  "    label: ${label}\n"
                  "    text: n=${n}\n"));

  ASSERT_EQ(run.client.requests.size(), 1u);
  EXPECT_EQ(run.client.requests[0].body, R"({"count":5,"label":"5","text":"n=5"})");
}

TEST(Executor, VariableCycleIsError) {
  OfflineRun run;

  SuiteResult result =
      run.run(one_request("          url: /${a}\n", "variables:\n  a: x${b}\n  b: ${a}\n"));

  EXPECT_TRUE(run.client.requests.empty());
  const StepResult& step = result.tests.at(0).steps.at(0);
  EXPECT_EQ(step.outcome, Outcome::error);
  EXPECT_NE(step.error.find("is defined in terms of itself"), std::string::npos) << step.error;
}

TEST(Executor, OversizedExpansionIsStepError) {
  OfflineRun run;
  std::string variables = "variables:\n  v0: xxxxxxxxxx\n";
  for (int i = 1; i <= 20; ++i) {
    std::string previous = "${v" + std::to_string(i - 1) + "}";
    variables += "  v" + std::to_string(i) + ": \"" + previous + previous + "\"\n";
  }

  SuiteResult result = run.run(one_request("          url: /${v20}\n", variables));

  EXPECT_TRUE(run.client.requests.empty());
  const StepResult& step = result.tests.at(0).steps.at(0);
  EXPECT_EQ(step.outcome, Outcome::error);
  EXPECT_NE(step.error.find("variable 'v17' expands to more than 1 MiB"), std::string::npos)
      << step.error;
}

TEST(Executor, CapturedIntegerStaysIntegerInJson) {
  OfflineRun run;
  run.client.on("POST", "https://tapis.test/v3/jobs/submit",
                json_response(200, {{"result", {{"id", 9007199254740993LL}}}}));

  run.run(R"(name: typed capture
tests:
  - name: submit and cancel
    steps:
      - request:
          method: POST
          url: /v3/jobs/submit
          json: {name: j}
        capture: {job: $.result.id}
      - request:
          method: POST
          url: /v3/jobs/cancel
          json:
            id: ${job}
            label: "${job}"
            text: job ${job}
)");

  ASSERT_EQ(run.client.requests.size(), 2u);
  EXPECT_EQ(run.client.requests[1].body,
            R"({"id":9007199254740993,"label":"9007199254740993","text":"job 9007199254740993"})");
}

TEST(Executor, InterruptSkipsRemainingTests) {
  OfflineRun run;
  std::atomic<bool> interrupt = false;
  run.options.interrupt = &interrupt;
  run.client.on("GET", "https://tapis.test/first", [&interrupt](const HttpRequest&) {
    interrupt = true;
    return testing::FakeHttpClient::Result(
        std::unexpected(HttpError{HttpErrorKind::interrupted, "aborted by callback"}));
  });

  SuiteResult result = run.run(R"(name: interrupted
tests:
  - name: first
    steps:
      - request: {url: /first}
      - request: {url: /first-b}
  - name: second
    steps:
      - request: {url: /second}
  - name: third
    steps:
      - request: {url: /third}
)");

  ASSERT_EQ(result.tests.size(), 3u);
  EXPECT_EQ(run.client.requests.size(), 1u);
  EXPECT_EQ(result.tests[0].outcome, Outcome::error);
  EXPECT_EQ(result.tests[0].steps.size(), 1u);
  EXPECT_EQ(result.tests[0].steps[0].error, "the run was interrupted");
  for (size_t i = 1; i < 3; ++i) {
    EXPECT_EQ(result.tests[i].outcome, Outcome::skipped);
    EXPECT_EQ(result.tests[i].message, "not run: the run was interrupted");
    EXPECT_TRUE(result.tests[i].steps.empty());
  }
}

TEST(Executor, InterruptBetweenSteps) {
  OfflineRun run;
  std::atomic<bool> interrupt = false;
  run.options.interrupt = &interrupt;
  run.client.on("GET", "https://tapis.test/first", [&interrupt](const HttpRequest&) {
    interrupt = true;
    return testing::FakeHttpClient::Result(testing::text_response(200, "ok"));
  });

  SuiteResult result = run.run(R"(name: interrupted
tests:
  - name: first
    steps:
      - request: {url: /first}
      - request: {url: /second}
)");

  EXPECT_EQ(run.client.requests.size(), 1u);
  const TestResult& test = result.tests.at(0);
  EXPECT_NE(test.outcome, Outcome::passed);
  ASSERT_EQ(test.steps.size(), 2u);
  EXPECT_EQ(test.steps[1].error, "the run was interrupted");
}

TEST(Executor, PastDeadlineSkipsTests) {
  OfflineRun run;
  run.options.deadline = std::chrono::steady_clock::now() - std::chrono::seconds(1);

  SuiteResult result = run.run(one_request("          url: /x\n"));

  EXPECT_TRUE(run.client.requests.empty());
  EXPECT_EQ(result.tests.at(0).outcome, Outcome::skipped);
  EXPECT_EQ(result.tests[0].message, "not run: the run's --max-time was reached");
}

TEST(Executor, BasicAuthPerRequest) {
  OfflineRun run;
  run.options.variables = {{"pw", "hunter22"}};

  SuiteResult result =
      run.run(one_request("          url: /x\n"
                          "          auth:\n"
                          "            basic: {username: admin, password: \"${pw}\"}\n"));

  ASSERT_EQ(run.client.requests.size(), 1u);
  ASSERT_TRUE(run.client.requests[0].basic_auth.has_value());
  EXPECT_EQ(run.client.requests[0].basic_auth->first, "admin");
  EXPECT_EQ(run.client.requests[0].basic_auth->second, "hunter22");
  EXPECT_EQ(run.redactor.mask("hunter22"), "***");
  const std::vector<std::string>& log = result.tests.at(0).steps.at(0).log;
  EXPECT_NE(std::find(log.begin(), log.end(), "> Authorization: Basic ***"), log.end());
}

TEST(Executor, BasicAuthUndefinedVariableHasLocation) {
  OfflineRun run;

  SuiteResult result =
      run.run(one_request("          url: /x\n"
                          "          auth:\n"
                          "            basic: {username: admin, password: \"${missing_pw}\"}\n"));

  EXPECT_TRUE(run.client.requests.empty());
  const StepResult& step = result.tests.at(0).steps.at(0);
  EXPECT_EQ(step.outcome, Outcome::error);
  EXPECT_TRUE(step.error.ends_with(":8:48: undefined variable 'missing_pw'")) << step.error;
}

TEST(Executor, InvalidUtf8InJsonBodyIsError) {
  // A body capture contains the response bytes as they are, which need not be UTF-8.
  OfflineRun run;
  run.client.on("GET", "https://tapis.test/raw", text_response(200, "caf\xE9"));

  SuiteResult result = run.run(R"(name: bytes
tests:
  - name: latin-1 into json
    steps:
      - request: {url: /raw}
        capture:
          raw: {body: true}
      - request:
          method: POST
          url: /echo
          json:
            text: ${raw}
)");

  ASSERT_EQ(result.tests.size(), 1u);
  EXPECT_EQ(run.client.requests.size(), 1u);
  const TestResult& test = result.tests[0];
  EXPECT_EQ(test.outcome, Outcome::error);
  ASSERT_EQ(test.steps.size(), 2u);
  EXPECT_NE(test.steps[1].error.find("UTF-8"), std::string::npos) << test.steps[1].error;
}

TEST(Executor, UserAuthSharesOneToken) {
  OfflineRun run(R"(name: s
base_url: https://tapis.test
auth:
  user: {username: testuser, password: pw-123}
)");
  run.client.on(
      "POST", "https://tapis.test/v3/oauth2/tokens",
      json_response(
          200,
          {{"result", {{"access_token", {{"access_token", "tok-1"}, {"expires_in", 14400}}}}}}));

  run.run(R"(name: user auth
defaults: {auth: user}
tests:
  - name: a
    steps:
      - request: {url: /a}
      - request: {url: /b}
  - name: b
    steps:
      - request: {url: /c}
      - request: {url: /d, auth: none}
)");
  run.run(
      "name: second suite\ndefaults: {auth: user}\ntests:\n"
      "  - name: e\n    steps:\n      - request: {url: /e}\n");

  EXPECT_EQ(run.client.count("POST", "https://tapis.test/v3/oauth2/tokens"), 1);
  EXPECT_EQ(run.tokens_minted(), 1);
  for (const HttpRequest& request : run.client.requests) {
    if (request.url.ends_with("/tokens"))
      continue;
    const std::string* token = find_header(request, "X-Tapis-Token");
    if (request.url.ends_with("/d")) {
      EXPECT_EQ(token, nullptr);
      continue;
    }
    ASSERT_NE(token, nullptr) << request.url;
    EXPECT_EQ(*token, "tok-1");
  }
  EXPECT_EQ(run.client.requests.size(), 6u);
}

TEST(Executor, FailedLoginSentOnce) {
  OfflineRun run(R"(name: s
base_url: https://tapis.test
auth:
  user: {username: testuser, password: wrong}
)");
  run.client.on("POST", "https://tapis.test/v3/oauth2/tokens",
                json_response(401, {{"message", "Invalid username/password combination."}}));

  SuiteResult result = run.run(R"(name: user auth
defaults: {auth: user}
tests:
  - name: a
    steps:
      - request: {url: /a}
  - name: b
    steps:
      - request: {url: /b}
)");

  EXPECT_EQ(run.client.requests.size(), 1u);
  for (const TestResult& test : result.tests) {
    EXPECT_EQ(test.outcome, Outcome::error);
    EXPECT_NE(test.message.find("returned HTTP 401: Invalid username/password combination."),
              std::string::npos)
        << test.message;
  }
}

}  // namespace
}  // namespace probe
