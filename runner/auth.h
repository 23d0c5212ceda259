// Tapis tokens: minted once per run, shared by every test, renewed before they expire.
#pragma once

#include <chrono>
#include <expected>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "http_client.h"
#include "secrets.h"
#include "site.h"
#include "suite.h"

namespace probe {

using Clock = std::function<std::chrono::steady_clock::time_point()>;

class TokenProvider {
 public:
  // `scope` resolves the site's account templates; all references must outlive the provider.
  TokenProvider(const Site& site, const Scope& scope, HttpClient& client, Redactor& redactor,
                Clock clock = std::chrono::steady_clock::now);

  // The headers that authenticate a request as `kind` (user or service). Mints a token on first
  // use and again when fewer than min(60 s, half its lifetime) remain. A failed login is remembered
  // for the rest of the run, so a bad password is not retried by every test.
  std::expected<HeaderList, std::string> headers(AuthKind kind);
  // The same without ever blocking: nothing when a token must be minted first or another thread
  // holds the provider, which may be minting.
  std::optional<std::expected<HeaderList, std::string>> ready_headers(AuthKind kind);

  int tokens_minted() const { return minted_; }

 private:
  struct Token {
    std::string value;
    std::chrono::steady_clock::time_point renew_at;
    HeaderList extra_headers;
    std::optional<std::string> failure;
    bool present = false;
  };

  static HeaderList headers_of(const Token& token);
  std::expected<Token, std::string> mint_user_token();
  std::expected<Token, std::string> mint_service_token();
  std::expected<Token, std::string> mint(const HttpRequest& request, HeaderList extra_headers);

  const Site& site_;
  const Scope& scope_;
  HttpClient& client_;
  Redactor& redactor_;
  Clock clock_;
  std::mutex mutex_;
  Token user_;
  Token service_;
  int minted_ = 0;
};

// The message for a step that needs a token of `kind` (user or service) from a site file that
// has no such account.
std::string missing_account_message(AuthKind kind, const Site& site);

// Reports every step of the suites' tests (skipped ones aside) that needs a user or service
// token which `site` has no account for. The run can then fail before it sends anything.
Diagnostics check_accounts(const std::vector<Suite>& suites, const Site& site);

}  // namespace probe
