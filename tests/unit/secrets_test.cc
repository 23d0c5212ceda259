#include "secrets.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "assertion.h"
#include "fake_http_client.h"

namespace probe {
namespace {

using nlohmann::json;
using testing::json_response;
using testing::OfflineRun;
using testing::text_response;

// A token in JWT form (header {"alg":"HS256","typ":"JWT"}) that no test registers.
constexpr const char* kJwt =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ0ZXN0dXNlciJ9."
    "c2lnbmF0dXJlLW9mLXRoZS10b2tlbg";

// Calls `visit` on every text of the result tree.
void for_each_text(RunResult& run, const std::function<void(std::string&)>& visit) {
  for (SuiteResult& suite : run.suites) {
    visit(suite.name);
    visit(suite.file);
    for (Property& property : suite.properties)
      visit(property.second);
    for (TestResult& test : suite.tests) {
      visit(test.name);
      visit(test.message);
      for (std::string& tag : test.tags)
        visit(tag);
      for (StepResult& step : test.steps) {
        visit(step.name);
        visit(step.request_line);
        visit(step.error);
        for (AssertionResult& assertion : step.assertions) {
          visit(assertion.subject);
          visit(assertion.expected);
          visit(assertion.actual);
        }
        for (Property& detail : step.details)
          visit(detail.second);
        for (std::string& line : step.log)
          visit(line);
      }
    }
  }
}

// Lists each place in the tree's texts where `secret` occurs, with 20 bytes of context on
// either side.
std::vector<std::string> texts_containing(RunResult& run, const std::string& secret) {
  std::vector<std::string> found;
  for_each_text(run, [&](std::string& text) {
    size_t position = text.find(secret);
    if (position == std::string::npos)
      return;
    size_t start = position < 20 ? 0 : position - 20;
    found.push_back(text.substr(start, secret.size() + 40));
  });
  return found;
}

TEST(Redactor, MasksRegisteredValue) {
  Redactor redactor;
  redactor.add("pa55word");

  EXPECT_EQ(redactor.mask("user=testuser password=pa55word."), "user=testuser password=***.");
  EXPECT_EQ(redactor.mask("pa55wordpa55word"), "******");
}

TEST(Redactor, MasksUrlEncodedForm) {
  Redactor redactor;
  redactor.add("p@ss word/&=");

  EXPECT_EQ(redactor.mask("GET /x?password=p%40ss%20word%2F%26%3D&a=1"), "GET /x?password=***&a=1");
}

TEST(Redactor, MasksJsonEscapedForm) {
  Redactor redactor;
  redactor.add("quote\"back\\slash\ttab");

  EXPECT_EQ(redactor.mask(R"({"password":"quote\"back\\slash\ttab"})"), R"({"password":"***"})");
}

TEST(Redactor, MasksEveryEncodersJsonForm) {
  Redactor redactor;
  redactor.add("se\"cret\\pw<&>/x");

  // Python's json module, Go's encoding/json, PHP's json_encode.
  EXPECT_EQ(redactor.mask(R"({"m": "se\"cret\\pw<&>/x"})"), R"({"m": "***"})");
  EXPECT_EQ(redactor.mask(R"({"m": "se\"cret\\pw\u003c\u0026\u003e/x"})"), R"({"m": "***"})");
  EXPECT_EQ(redactor.mask(R"({"m": "se\"cret\\pw<&>\/x"})"), R"({"m": "***"})");
}

TEST(Redactor, MasksBodyQuotedAgain) {
  // An assertion on a body shows it as a JSON string, which escapes the body's escapes.
  Redactor redactor;
  redactor.add("se\"cret\\pw");

  EXPECT_EQ(redactor.mask(R"("{\"m\": \"se\\\"cret\\\\pw\"}")"), R"("{\"m\": \"***\"}")");
}

TEST(Redactor, MasksAnyJsonEscapes) {
  Redactor redactor;
  redactor.add("up-\xC3\xA9<12");
  redactor.add("em\xF0\x9F\x98\x80ji12");
  redactor.add("allesc12");

  // Upper-case hex (.NET), a surrogate pair, every character escaped.
  EXPECT_EQ(redactor.mask(R"({"p": "up-\u00E9<12", "q": 1})"), R"({"p": "***", "q": 1})");
  EXPECT_EQ(redactor.mask(R"(["em\uD83D\uDE00ji12"])"), R"(["***"])");
  EXPECT_EQ(redactor.mask(R"("\u0061\u006C\u006c\u0065\u0073\u0063\u0031\u0032!")"), R"("***!")");
}

TEST(Redactor, MasksJsonEscapedThreeTimes) {
  // A server's JSON inside a JSON string, quoted once more in an assertion message.
  Redactor redactor;
  redactor.add("p\"w\\d \xC3\xA9");
  const std::string once = R"({"password": "p\"w\\d \u00e9"})";
  const std::string twice = nlohmann::json(once).dump();
  const std::string thrice = nlohmann::json(twice).dump();

  EXPECT_EQ(redactor.mask(thrice).find("p\\"), std::string::npos) << redactor.mask(thrice);
  EXPECT_NE(redactor.mask(thrice).find("***"), std::string::npos) << redactor.mask(thrice);
  EXPECT_EQ(redactor.mask("before " + twice + " after").substr(0, 7), "before ");
}

TEST(Redactor, MasksAsciiEscapedJsonForm) {
  // Servers built on Python's json module escape every non-ASCII character by default.
  Redactor redactor;
  redactor.add("p\xC3\xA4ssw\xC3\xB6rd");

  EXPECT_EQ(redactor.mask(R"({"password": "p\u00e4ssw\u00f6rd"})"), R"({"password": "***"})");
  EXPECT_EQ(redactor.mask("p\xC3\xA4ssw\xC3\xB6rd"), "***");
}

TEST(Redactor, InvalidUtf8SecretIsMasked) {
  // A secret file need not contain UTF-8. Rendered values replace invalid bytes with U+FFFD.
  const std::string secret = "pw-\xFF\xFE-latin1-\xE9";
  Redactor redactor;

  ASSERT_NO_THROW(redactor.add(secret));

  EXPECT_EQ(redactor.mask("a " + secret + " b"), "a *** b");
  EXPECT_EQ(redactor.mask(render(json(secret))), "\"***\"");
}

TEST(Redactor, MasksJwtWithoutRegistration) {
  Redactor redactor;

  std::string masked = redactor.mask(std::string("X-Tapis-Token: ") + kJwt + " end");

  EXPECT_EQ(masked, "X-Tapis-Token: *** end");
}

TEST(Redactor, KeepsTextWithoutSecrets) {
  Redactor redactor;
  redactor.add("secret-value");

  EXPECT_EQ(redactor.mask("eyJ is not a token. secret value"), "eyJ is not a token. secret value");
}

TEST(Redactor, IgnoresOneCharacterSecret) {
  Redactor redactor;
  redactor.add("a");
  redactor.add("");

  EXPECT_EQ(redactor.mask("a banana"), "a banana");
}

TEST(Redactor, LongerSecretFirst) {
  Redactor redactor;
  redactor.add("abc");
  redactor.add("abcdef-123");

  EXPECT_EQ(redactor.mask("abcdef-123 abc"), "*** ***");
}

TEST(Redactor, MasksEveryTextOfRunResult) {
  const std::string secret = "Zq9-secret-Zq9";
  RunResult run;
  SuiteResult& suite = run.suites.emplace_back();
  suite.name = "suite " + secret;
  suite.properties = {{"tenant", secret}};
  TestResult& test = suite.tests.emplace_back();
  test.name = "test " + secret;
  test.message = "message " + secret;
  StepResult& step = test.steps.emplace_back();
  step.name = "step " + secret;
  step.request_line = "GET https://tapis.test/x?key=" + secret;
  step.error = "error " + secret;
  step.assertions.push_back(
      {"header " + secret, "eq", "\"" + secret + "\"", "\"" + secret + "\"", false, {}});
  step.details = {{"detail", secret}};
  step.log = {"> X: " + secret, "< " + std::string(kJwt)};
  Redactor redactor;
  redactor.add(secret);

  redactor.mask(run);

  EXPECT_EQ(texts_containing(run, secret), std::vector<std::string>{});
  EXPECT_EQ(texts_containing(run, kJwt), std::vector<std::string>{});
  EXPECT_EQ(step.request_line, "GET https://tapis.test/x?key=***");
  EXPECT_EQ(step.assertions[0].actual, "\"***\"");
}

TEST(Redactor, IsCredentialHeader) {
  EXPECT_TRUE(is_credential_header("X-Tapis-Token"));
  EXPECT_TRUE(is_credential_header("authorization"));
  EXPECT_TRUE(is_credential_header("Set-Cookie"));
  EXPECT_FALSE(is_credential_header("X-Tapis-User"));
  EXPECT_FALSE(is_credential_header("Content-Type"));
}

// Runs a suite that meets every kind of secret: a site secret from the environment, user and
// service tokens, tokens in a response body, a capture marked secret, and an unregistered JWT.
// The fake server echoes each secret back in headers, bodies and assertion values.
class RunSecretsTest : public ::testing::Test {
 protected:
  static constexpr const char* kSitePassword = "site-pw-\"Q7\"/&";
  static constexpr const char* kUserToken = "user-token-51c2";
  static constexpr const char* kServiceToken = "service-token-93ab";
  static constexpr const char* kAccessToken = "step-access-77d1";
  static constexpr const char* kRefreshToken = "step-refresh-0e4f";
  static constexpr const char* kCapturedKey = "captured-key-a1b2";

  void SetUp() override { ASSERT_EQ(setenv("PROBE_SECRETS_TEST_PASSWORD", kSitePassword, 1), 0); }
  void TearDown() override { unsetenv("PROBE_SECRETS_TEST_PASSWORD"); }

  RunResult run_suite() {
    OfflineRun run(R"(name: secrets site
base_url: https://tapis.test
secrets:
  user_password: {env: PROBE_SECRETS_TEST_PASSWORD}
auth:
  user: {username: testuser, password: "${user_password}"}
  service: {username: streams, password: "${user_password}"}
)");
    serve_tokens(run.client);
    serve_echo(run.client);

    RunResult result;
    result.suites.push_back(run.run(kSuite));
    run.redactor.mask(result);
    return result;
  }

 private:
  static constexpr const char* kSuite = R"(name: secrets
tests:
  - name: user call echoed
    steps:
      - request:
          url: /echo
          auth: user
          query: {pw: "${user_password}"}
          headers: {X-Echo: "${user_password}"}
        assert:
          json:
            $.password: nothing
            "$.headers['X-Tapis-Token']": {contains: zzz}
  - name: service call echoed
    steps:
      - request: {url: /service, auth: service}
        assert:
          body: {contains: zzz}
  - name: tokens in a response
    steps:
      - request: {url: /login}
        assert:
          json:
            $.result.access_token: wrong
            $.result.refresh_token: wrong
  - name: captured key reused
    steps:
      - request: {url: /login}
        capture:
          key: {json: $.key, secret: true}
      - request:
          url: /use/${key}
        assert:
          status: 200
  - name: jwt in a body
    steps:
      - request: {url: /jwt}
        assert:
          body: {eq: short}
)";

  static void serve_tokens(testing::FakeHttpClient& client) {
    client.on("POST", "https://tapis.test/v3/oauth2/tokens",
              json_response(200, {{"result", {{"access_token", {{"access_token", kUserToken}}}}}}));
    client.on(
        "POST", "https://tapis.test/v3/tokens",
        json_response(200, {{"result", {{"access_token", {{"access_token", kServiceToken}}}}}}));
  }

  // Every other request gets back its URL, headers and body, so each secret sent is echoed.
  static void serve_echo(testing::FakeHttpClient& client) {
    client.on(
        "GET", "https://tapis.test/login",
        json_response(
            200, {{"result", {{"access_token", kAccessToken}, {"refresh_token", kRefreshToken}}},
                  {"key", kCapturedKey}}));
    client.on("GET", "https://tapis.test/jwt", text_response(200, std::string("jwt: ") + kJwt));
    client.fallback([](const HttpRequest& request) {
      json headers = json::object();
      for (const auto& [name, value] : request.headers)
        headers[name] = value;
      json body = {{"url", request.url}, {"headers", headers}, {"password", kSitePassword}};
      HeaderList response_headers = {{"X-Echo", kSitePassword}};
      for (const auto& [name, value] : request.headers)
        response_headers.emplace_back(name, value);
      return testing::FakeHttpClient::Result(json_response(404, body, response_headers));
    });
  }
};

TEST(RunSecrets, SecretAcrossExcerptCutIsMasked) {
  // The step log shows the first 2048 bytes of a failed response's body.
  const std::string secret = "K3y-abcdefghijklmnop";
  OfflineRun run;
  run.options.variables = {{"key", secret}};
  run.redactor.add(secret);
  run.client.on("GET", "https://tapis.test/x",
                text_response(500, std::string(2040, '.') + secret + " trailing text"));

  RunResult result;
  result.suites.push_back(run.run(R"(name: excerpt
tests:
  - name: t
    steps:
      - request: {url: /x}
        assert: {status: 200}
)"));
  run.redactor.mask(result);

  EXPECT_EQ(texts_containing(result, secret.substr(0, 8)), std::vector<std::string>{});
}

TEST_F(RunSecretsTest, NoSecretSurvivesMasking) {
  RunResult run = run_suite();

  for (const char* secret : {kSitePassword, kUserToken, kServiceToken, kAccessToken, kRefreshToken,
                             kCapturedKey, kJwt}) {
    EXPECT_EQ(texts_containing(run, secret), std::vector<std::string>{}) << secret;
  }
  EXPECT_EQ(texts_containing(run, "site-pw-\\\"Q7\\\"/&"), std::vector<std::string>{});
  EXPECT_EQ(texts_containing(run, "site-pw-%22Q7%22%2F%26"), std::vector<std::string>{});
}

TEST_F(RunSecretsTest, SecretsAreMaskedNotDropped) {
  RunResult run = run_suite();

  ASSERT_EQ(run.suites.at(0).tests.size(), 5u);
  const std::vector<TestResult>& tests = run.suites[0].tests;
  for (const TestResult& test : tests)
    EXPECT_EQ(test.outcome, Outcome::failed) << test.name;
  ASSERT_EQ(tests[0].steps.size(), 1u);
  EXPECT_EQ(tests[0].steps[0].request_line, "GET https://tapis.test/echo?pw=***");
  ASSERT_EQ(tests[0].steps[0].assertions.size(), 2u);
  EXPECT_EQ(tests[0].steps[0].assertions[0].actual, "\"***\"");
  EXPECT_EQ(tests[0].steps[0].assertions[1].actual, "\"***\"");
  ASSERT_EQ(tests[2].steps.size(), 1u);
  ASSERT_EQ(tests[2].steps[0].assertions.size(), 2u);
  EXPECT_EQ(tests[2].steps[0].assertions[0].actual, "\"***\"");
  EXPECT_EQ(tests[2].steps[0].assertions[1].actual, "\"***\"");
  ASSERT_EQ(tests[3].steps.size(), 2u);
  EXPECT_EQ(tests[3].steps[1].request_line, "GET https://tapis.test/use/***");
}

}  // namespace
}  // namespace probe
