#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <unordered_map>

#include "timestamps.h"

namespace probe::sim {

enum class AccountType { kUser, kService };

std::string_view account_type_name(AccountType type);

struct TokenRequest {
  std::string username;
  std::string tenant_id;
  AccountType account_type = AccountType::kUser;
  std::chrono::seconds ttl{0};
  std::string issuer;

  // "password" for tokens from /v3/oauth2/tokens, and empty for tokens from /v3/tokens.
  std::string grant_type;
  std::string target_site_id;
};

// Claims the simulator keeps for every token it issued.
struct TokenClaims {
  std::string jti;
  std::string username;
  std::string tenant_id;
  AccountType account_type = AccountType::kUser;
  SystemTime expires_at;
};

struct IssuedToken {
  std::string access_token;
  TokenClaims claims;
  std::int64_t expires_in = 0;

  // The `result` both token services return: {"access_token": {access_token, expires_in,
  // expires_at, jti}}.
  nlohmann::json to_result() const;
};

enum class TokenError { kUnknown, kExpired };

// Issues JWT-shaped tokens and remembers them until they expire.
// NOTE: the signature segment is random bytes, not RS256. The simulator trusts only tokens it
// stored, so clients cannot verify the signature against the tenant's public key.
class TokenStore {
 public:
  IssuedToken mint(const TokenRequest& request);

  // A token is valid when this store issued it and its exp claim lies in the future.
  std::expected<TokenClaims, TokenError> validate(std::string_view access_token) const;

 private:
  void drop_expired(SystemTime now);

  mutable std::mutex mutex_;
  std::unordered_map<std::string, TokenClaims> tokens_;
};

}  // namespace probe::sim
