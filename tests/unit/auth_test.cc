#include "auth.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "fake_http_client.h"

namespace probe {
namespace {

using nlohmann::json;
using std::chrono::seconds;
using testing::find_header;
using testing::json_response;
using testing::load_site_text;

constexpr const char* kUserTokens = "https://tapis.test/v3/oauth2/tokens";
constexpr const char* kServiceTokens = "https://admin.tapis.test/v3/tokens";

constexpr const char* kSite = R"(name: auth-site
base_url: https://tapis.test/
admin_base_url: https://admin.tapis.test
tenant: dev
auth:
  user:
    username: ${username}
    password: user-pass-1
  service:
    username: streams
    password: service-pass-1
    tenant: admin
    site_id: tacc
variables:
  username: testuser
)";

json token_body(const std::string& token, std::optional<double> expires_in) {
  json access = {{"access_token", token}};
  if (expires_in)
    access["expires_in"] = *expires_in;
  return {{"result", {{"access_token", access}, {"refresh_token", {{"refresh_token", "r"}}}}},
          {"status", "success"}};
}

// A TokenProvider over kSite (or `site_yaml`) with a clock the test moves by hand.
class AuthTest : public ::testing::Test {
 protected:
  explicit AuthTest(const std::string& site_yaml = kSite) : site_(load_site_text(site_yaml)) {
    Binding username{"testuser", false, false, {}, {}};
    scope_.set("username", username);
  }

  TokenProvider& provider() {
    if (!provider_) {
      provider_ = std::make_unique<TokenProvider>(site_, scope_, client_, redactor_,
                                                  [this] { return now_; });
    }
    return *provider_;
  }

  // Responds to each token request with token-N, N counting from 1, and `expires_in`.
  void issue_tokens(const std::string& url, std::optional<double> expires_in, int status = 200) {
    client_.on("POST", url, [this, expires_in, status](const HttpRequest&) {
      ++issued_;
      return testing::FakeHttpClient::Result(
          json_response(status, token_body("token-" + std::to_string(issued_), expires_in)));
    });
  }

  std::string token_value(AuthKind kind) {
    auto headers = provider().headers(kind);
    EXPECT_TRUE(headers) << headers.error();
    if (!headers)
      return {};
    for (const auto& [name, value] : *headers) {
      if (name == "X-Tapis-Token")
        return value;
    }
    ADD_FAILURE() << "no X-Tapis-Token header";
    return {};
  }

  Site site_;
  Scope scope_;
  testing::FakeHttpClient client_;
  Redactor redactor_;
  std::chrono::steady_clock::time_point now_{std::chrono::hours(1000)};
  int issued_ = 0;

 private:
  std::unique_ptr<TokenProvider> provider_;
};

TEST_F(AuthTest, PasswordGrantRequest) {
  issue_tokens(kUserTokens, 14400);

  EXPECT_EQ(token_value(AuthKind::user), "token-1");

  ASSERT_EQ(client_.requests.size(), 1u);
  const HttpRequest& request = client_.requests[0];
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.url, kUserTokens);
  EXPECT_EQ(
      json::parse(request.body),
      (json{{"username", "testuser"}, {"password", "user-pass-1"}, {"grant_type", "password"}}));
  ASSERT_NE(find_header(request, "Content-Type"), nullptr);
  EXPECT_EQ(*find_header(request, "Content-Type"), "application/json");
  EXPECT_FALSE(request.basic_auth.has_value());
}

TEST_F(AuthTest, NonUtf8PasswordIsErrorNotCrash) {
  scope_.set("latin1_password", Binding{"caf\xE9", false, true, {}, {}});
  site_.user->password.value = "${latin1_password}";
  issue_tokens(kUserTokens, 14400);

  std::expected<HeaderList, std::string> headers;
  ASSERT_NO_THROW(headers = provider().headers(AuthKind::user));

  ASSERT_FALSE(headers);
  EXPECT_NE(headers.error().find("UTF-8"), std::string::npos) << headers.error();
  EXPECT_TRUE(client_.requests.empty());
}

TEST_F(AuthTest, OneTokenForManyRequests) {
  issue_tokens(kUserTokens, 14400);

  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(token_value(AuthKind::user), "token-1");
    now_ += seconds(60);
  }

  EXPECT_EQ(client_.requests.size(), 1u);
  EXPECT_EQ(provider().tokens_minted(), 1);
}

TEST_F(AuthTest, RenewsOneMinuteBeforeExpiry) {
  issue_tokens(kUserTokens, 14400);
  auto start = now_;

  EXPECT_EQ(token_value(AuthKind::user), "token-1");
  now_ = start + seconds(14400 - 61);
  EXPECT_EQ(token_value(AuthKind::user), "token-1");
  now_ = start + seconds(14400 - 60);
  EXPECT_EQ(token_value(AuthKind::user), "token-2");
  now_ = start + seconds(14400 - 60) + seconds(14400 - 61);
  EXPECT_EQ(token_value(AuthKind::user), "token-2");

  EXPECT_EQ(client_.requests.size(), 2u);
}

TEST_F(AuthTest, ReadyHeadersNeverMint) {
  issue_tokens(kUserTokens, 14400);
  auto start = now_;

  EXPECT_FALSE(provider().ready_headers(AuthKind::user).has_value()) << "nothing minted yet";
  EXPECT_EQ(token_value(AuthKind::user), "token-1");
  auto ready = provider().ready_headers(AuthKind::user);
  ASSERT_TRUE(ready.has_value());
  ASSERT_TRUE(*ready);
  EXPECT_EQ((**ready)[0].second, "token-1");
  now_ = start + seconds(14400 - 60);
  EXPECT_FALSE(provider().ready_headers(AuthKind::user).has_value()) << "due for renewal";

  EXPECT_EQ(client_.requests.size(), 1u);
}

TEST_F(AuthTest, ReadyHeadersGiveARememberedFailure) {
  client_.on("POST", kUserTokens, json_response(401, {{"message", "bad password"}}));
  ASSERT_FALSE(provider().headers(AuthKind::user));

  auto ready = provider().ready_headers(AuthKind::user);

  ASSERT_TRUE(ready.has_value());
  ASSERT_FALSE(*ready);
  EXPECT_NE(ready->error().find("HTTP 401"), std::string::npos) << ready->error();
}

TEST_F(AuthTest, ShortLifetimeRenewsAtHalf) {
  issue_tokens(kUserTokens, 100);
  auto start = now_;

  EXPECT_EQ(token_value(AuthKind::user), "token-1");
  now_ = start + seconds(49);
  EXPECT_EQ(token_value(AuthKind::user), "token-1");
  now_ = start + seconds(50);
  EXPECT_EQ(token_value(AuthKind::user), "token-2");

  EXPECT_EQ(client_.requests.size(), 2u);
}

TEST_F(AuthTest, MissingLifetimeUsesTapisDefault) {
  issue_tokens(kUserTokens, std::nullopt);
  auto start = now_;

  EXPECT_EQ(token_value(AuthKind::user), "token-1");
  now_ = start + seconds(14339);
  EXPECT_EQ(token_value(AuthKind::user), "token-1");
  now_ = start + seconds(14340);
  EXPECT_EQ(token_value(AuthKind::user), "token-2");
}

TEST_F(AuthTest, CreatedStatusAccepted) {
  issue_tokens(kUserTokens, 14400, 201);

  EXPECT_EQ(token_value(AuthKind::user), "token-1");
}

TEST_F(AuthTest, FailedLoginIsRemembered) {
  client_.on("POST", kUserTokens,
             json_response(401, {{"message", "Invalid username/password combination."},
                                 {"status", "error"}}));

  auto first = provider().headers(AuthKind::user);
  now_ += seconds(3600);
  auto second = provider().headers(AuthKind::user);

  ASSERT_FALSE(first);
  ASSERT_FALSE(second);
  EXPECT_EQ(first.error(),
            "authentication failed: POST https://tapis.test/v3/oauth2/tokens returned HTTP 401: "
            "Invalid username/password combination.");
  EXPECT_EQ(second.error(), first.error());
  EXPECT_EQ(client_.requests.size(), 1u);
  EXPECT_EQ(provider().tokens_minted(), 0);
}

TEST_F(AuthTest, TransportFailureIsRemembered) {
  client_.fallback([](const HttpRequest&) {
    return testing::FakeHttpClient::Result(
        std::unexpected(HttpError{HttpErrorKind::timeout, "timed out after 30 s"}));
  });

  auto first = provider().headers(AuthKind::user);
  auto second = provider().headers(AuthKind::user);

  ASSERT_FALSE(first);
  ASSERT_FALSE(second);
  EXPECT_EQ(
      first.error(),
      "authentication failed: POST https://tapis.test/v3/oauth2/tokens: timed out after 30 s");
  EXPECT_EQ(client_.requests.size(), 1u);
}

TEST_F(AuthTest, ResponseWithoutTokenIsError) {
  client_.on("POST", kUserTokens, json_response(200, {{"result", {{"token", "x"}}}}));

  auto headers = provider().headers(AuthKind::user);

  ASSERT_FALSE(headers);
  EXPECT_NE(headers.error().find("without a token at result.access_token.access_token"),
            std::string::npos)
      << headers.error();
}

TEST_F(AuthTest, ServiceTokenRequest) {
  issue_tokens(kServiceTokens, 600);

  auto headers = provider().headers(AuthKind::service);

  ASSERT_TRUE(headers) << headers.error();
  EXPECT_EQ(*headers, (HeaderList{{"X-Tapis-Token", "token-1"},
                                  {"X-Tapis-User", "streams"},
                                  {"X-Tapis-Tenant", "admin"}}));
  ASSERT_EQ(client_.requests.size(), 1u);
  const HttpRequest& request = client_.requests[0];
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.url, kServiceTokens);
  ASSERT_TRUE(request.basic_auth.has_value());
  EXPECT_EQ(request.basic_auth->first, "streams");
  EXPECT_EQ(request.basic_auth->second, "service-pass-1");
  EXPECT_EQ(json::parse(request.body), (json{{"account_type", "service"},
                                             {"token_tenant_id", "admin"},
                                             {"token_username", "streams"},
                                             {"target_site_id", "tacc"}}));
}

TEST_F(AuthTest, UserAndServiceTokensAreSeparate) {
  issue_tokens(kUserTokens, 14400);
  issue_tokens(kServiceTokens, 14400);

  EXPECT_EQ(token_value(AuthKind::user), "token-1");
  EXPECT_EQ(token_value(AuthKind::service), "token-2");
  EXPECT_EQ(token_value(AuthKind::user), "token-1");
  EXPECT_EQ(token_value(AuthKind::service), "token-2");

  EXPECT_EQ(client_.requests.size(), 2u);
  EXPECT_EQ(provider().tokens_minted(), 2);
}

TEST_F(AuthTest, TokensAndPasswordsAreSecrets) {
  issue_tokens(kUserTokens, 14400);
  issue_tokens(kServiceTokens, 14400);

  token_value(AuthKind::user);
  token_value(AuthKind::service);

  EXPECT_EQ(redactor_.mask("token-1 token-2 user-pass-1 service-pass-1 testuser"),
            "*** *** *** *** testuser");
}

class ServiceDefaultsTest : public AuthTest {
 protected:
  ServiceDefaultsTest()
      : AuthTest(R"(name: defaults
base_url: https://tapis.test
admin_base_url: https://admin.tapis.test
auth:
  service: {username: streams, password: service-pass-1}
)") {}
};

TEST_F(ServiceDefaultsTest, TenantAdminAndNoSiteId) {
  issue_tokens(kServiceTokens, 14400);

  auto headers = provider().headers(AuthKind::service);

  ASSERT_TRUE(headers) << headers.error();
  ASSERT_EQ(client_.requests.size(), 1u);
  json body = json::parse(client_.requests[0].body);
  EXPECT_EQ(body["token_tenant_id"], "admin");
  EXPECT_FALSE(body.contains("target_site_id"));
  EXPECT_EQ(headers->back(), (std::pair<std::string, std::string>{"X-Tapis-Tenant", "admin"}));
}

TEST_F(ServiceDefaultsTest, NoUserAccountIsError) {
  auto headers = provider().headers(AuthKind::user);

  ASSERT_FALSE(headers);
  EXPECT_NE(headers.error().find("has no 'auth.user'"), std::string::npos) << headers.error();
  EXPECT_TRUE(client_.requests.empty());
}

StepSpec step_with_auth(AuthKind kind, int line) {
  StepSpec step;
  step.request.auth.kind = kind;
  step.location = {"s.yaml", line, 9};
  return step;
}

TEST(CheckAccounts, StepsNeedingMissingAccountsAreReported) {
  Site site;
  site.file = "no-accounts.yaml";
  Suite suite;
  suite.defaults.auth = AuthKind::user;
  TestSpec test;
  test.steps = {step_with_auth(AuthKind::none, 1), step_with_auth(AuthKind::inherit, 2)};
  auto include = std::make_shared<IncludeSpec>();
  include->steps = {step_with_auth(AuthKind::service, 3)};
  StepSpec include_step;
  include_step.include = include;
  test.steps.push_back(include_step);
  test.cleanup = {step_with_auth(AuthKind::basic, 4)};
  TestSpec skipped;
  skipped.skip = "not on this site";
  skipped.steps = {step_with_auth(AuthKind::user, 5)};
  suite.tests = {test, skipped};

  Diagnostics problems = check_accounts({suite}, site);

  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0].location.line, 2);
  EXPECT_EQ(problems[0].message,
            "the step needs a user token, but site file 'no-accounts.yaml' has no 'auth.user'");
  EXPECT_EQ(problems[1].location.line, 3);
  EXPECT_EQ(problems[1].message,
            "the step needs a service token, but site file 'no-accounts.yaml' has no "
            "'auth.service'");

  site.user = UserAccount{};
  site.service = ServiceAccount{};
  EXPECT_TRUE(check_accounts({suite}, site).empty());
}

}  // namespace
}  // namespace probe
