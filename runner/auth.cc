#include "auth.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

namespace probe {

namespace {

using nlohmann::json;

// Tapis's default access token lifetime, used when a response gives none.
constexpr double kDefaultLifetimeSeconds = 14400;

std::string trim_slash(std::string url) {
  while (!url.empty() && url.back() == '/')
    url.pop_back();
  return url;
}

// Serializes a token request body. Text that is not valid UTF-8 cannot go in JSON, so it is an
// error instead of an exception.
std::expected<std::string, std::string> dump_body(const json& body) {
  try {
    return body.dump();
  } catch (const json::type_error&) {
    return std::unexpected(
        "authentication failed: the account's username, password or tenant is not valid UTF-8, "
        "so it cannot be sent in a JSON request body");
  }
}

std::string error_message(const json* body) {
  if (body != nullptr && body->is_object() && body->contains("message") &&
      (*body)["message"].is_string())
    return (*body)["message"].get<std::string>();
  return {};
}

}  // namespace

TokenProvider::TokenProvider(const Site& site, const Scope& scope, HttpClient& client,
                             Redactor& redactor, Clock clock)
    : site_(site), scope_(scope), client_(client), redactor_(redactor), clock_(std::move(clock)) {}

std::expected<HeaderList, std::string> TokenProvider::headers(AuthKind kind) {
  std::lock_guard lock(mutex_);
  Token& token = kind == AuthKind::service ? service_ : user_;
  if (token.failure)
    return std::unexpected(*token.failure);

  if (!token.present || clock_() >= token.renew_at) {
    auto minted = kind == AuthKind::service ? mint_service_token() : mint_user_token();
    if (!minted) {
      token.failure = minted.error();
      spdlog::error("{}; tests that need this token will error", redactor_.mask(minted.error()));
      return std::unexpected(minted.error());
    }
    token = std::move(*minted);
  }
  return headers_of(token);
}

std::optional<std::expected<HeaderList, std::string>> TokenProvider::ready_headers(AuthKind kind) {
  std::unique_lock lock(mutex_, std::try_to_lock);
  if (!lock.owns_lock())
    return std::nullopt;
  const Token& token = kind == AuthKind::service ? service_ : user_;
  if (token.failure)
    return std::unexpected(*token.failure);
  if (!token.present || clock_() >= token.renew_at)
    return std::nullopt;
  return headers_of(token);
}

HeaderList TokenProvider::headers_of(const Token& token) {
  HeaderList headers = {{"X-Tapis-Token", token.value}};
  headers.insert(headers.end(), token.extra_headers.begin(), token.extra_headers.end());
  return headers;
}

std::expected<TokenProvider::Token, std::string> TokenProvider::mint_user_token() {
  if (!site_.user)
    return std::unexpected(missing_account_message(AuthKind::user, site_));
  auto base_url = expand_text(site_.base_url, scope_);
  auto username = expand_text(site_.user->username, scope_);
  auto password = expand_text(site_.user->password, scope_);
  for (const auto* value : {&base_url, &username, &password}) {
    if (!*value)
      return std::unexpected(format_diagnostic(value->error()));
  }
  redactor_.add(*password);

  HttpRequest request;
  request.method = "POST";
  request.url = trim_slash(*base_url) + "/v3/oauth2/tokens";
  request.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
  auto body =
      dump_body({{"username", *username}, {"password", *password}, {"grant_type", "password"}});
  if (!body)
    return std::unexpected(body.error());
  request.body = *body;
  return mint(request, {});
}

std::expected<TokenProvider::Token, std::string> TokenProvider::mint_service_token() {
  if (!site_.service)
    return std::unexpected(missing_account_message(AuthKind::service, site_));
  const ServiceAccount& account = *site_.service;
  auto base_url = expand_text(account.base_url, scope_);
  auto username = expand_text(account.username, scope_);
  auto password = expand_text(account.password, scope_);
  auto tenant = expand_text(account.tenant, scope_);
  for (const auto* value : {&base_url, &username, &password, &tenant}) {
    if (!*value)
      return std::unexpected(format_diagnostic(value->error()));
  }
  redactor_.add_basic_credentials(*username, *password);

  json body = {
      {"account_type", "service"}, {"token_tenant_id", *tenant}, {"token_username", *username}};
  if (!account.site_id.empty()) {
    auto site_id = expand_text(account.site_id, scope_);
    if (!site_id)
      return std::unexpected(format_diagnostic(site_id.error()));
    body["target_site_id"] = *site_id;
  }

  HttpRequest request;
  request.method = "POST";
  request.url = trim_slash(*base_url) + "/v3/tokens";
  request.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
  auto dumped = dump_body(body);
  if (!dumped)
    return std::unexpected(dumped.error());
  request.body = *dumped;
  request.basic_auth = {*username, *password};
  return mint(request, {{"X-Tapis-User", *username}, {"X-Tapis-Tenant", *tenant}});
}

std::expected<TokenProvider::Token, std::string> TokenProvider::mint(const HttpRequest& prepared,
                                                                     HeaderList extra_headers) {
  HttpRequest request = prepared;
  request.verify_tls = site_.verify_tls;
  request.ca_file = site_.ca_file;
  request.timeout_seconds = site_.timeout_seconds.value_or(kDefaultStepTimeoutSeconds);
  std::string what = fmt::format("authentication failed: POST {}", request.url);

  auto response = client_.send(request);
  if (!response)
    return std::unexpected(fmt::format("{}: {}", what, response.error().message));

  json body = json::parse(response->body, nullptr, false);
  const json* parsed = body.is_discarded() ? nullptr : &body;
  if (response->status != 200 && response->status != 201) {
    std::string message = error_message(parsed);
    return std::unexpected(fmt::format("{} returned HTTP {}{}", what, response->status,
                                       message.empty() ? "" : ": " + message));
  }

  const json* token = nullptr;
  if (parsed != nullptr) {
    json::json_pointer pointer("/result/access_token/access_token");
    if (body.contains(pointer) && body[pointer].is_string())
      token = &body[pointer];
  }
  if (token == nullptr) {
    return std::unexpected(
        fmt::format("{} returned HTTP {} without a token at result.access_token.access_token", what,
                    response->status));
  }

  Token minted;
  minted.present = true;
  minted.value = token->get<std::string>();
  minted.extra_headers = std::move(extra_headers);
  redactor_.add(minted.value);

  double lifetime = kDefaultLifetimeSeconds;
  json::json_pointer expires_in("/result/access_token/expires_in");
  if (body.contains(expires_in) && body[expires_in].is_number())
    lifetime = body[expires_in].get<double>();
  double margin = std::min(60.0, lifetime / 2);
  minted.renew_at = clock_() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                   std::chrono::duration<double>(lifetime - margin));
  ++minted_;
  spdlog::info("minted a token at {}, valid for {:.0f} s", request.url, lifetime);
  return minted;
}

std::string missing_account_message(AuthKind kind, const Site& site) {
  const bool user = kind == AuthKind::user;
  return fmt::format("the step needs a {} token, but site file '{}' has no '{}'",
                     user ? "user" : "service", site.file, user ? "auth.user" : "auth.service");
}

Diagnostics check_accounts(const std::vector<Suite>& suites, const Site& site) {
  Diagnostics problems;
  std::function<void(const Suite&, const std::vector<StepSpec>&)> check_steps =
      [&](const Suite& suite, const std::vector<StepSpec>& steps) {
        for (const StepSpec& step : steps) {
          if (step.include) {
            check_steps(suite, step.include->steps);
            continue;
          }
          const AuthKind kind = step.request.auth.kind == AuthKind::inherit
                                    ? suite.defaults.auth
                                    : step.request.auth.kind;
          const bool missing = (kind == AuthKind::user && !site.user) ||
                               (kind == AuthKind::service && !site.service);
          if (missing) {
            problems.push_back({step.location, missing_account_message(kind, site),
                                "add the account to the site file, or leave this test out of "
                                "the run (--skip-tag, --filter)"});
          }
        }
      };
  for (const Suite& suite : suites) {
    for (const TestSpec& test : suite.tests) {
      if (test.skip)
        continue;
      check_steps(suite, test.steps);
      check_steps(suite, test.cleanup);
    }
  }
  return problems;
}

}  // namespace probe
