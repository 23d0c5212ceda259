#include "token_store.h"

#include "base64.h"
#include "random_ids.h"

namespace probe::sim {
namespace {

using nlohmann::json;

json make_payload(const TokenRequest& request, const TokenClaims& claims) {
  json payload = {
      {"jti", claims.jti},
      {"iss", request.issuer},
      {"sub", request.username + "@" + request.tenant_id},
      {"tapis/tenant_id", request.tenant_id},
      {"tapis/token_type", "access"},
      {"tapis/delegation", false},
      {"tapis/delegation_sub", nullptr},
      {"tapis/username", request.username},
      {"tapis/account_type", account_type_name(request.account_type)},
      {"exp", unix_seconds(claims.expires_at)},
  };
  if (!request.grant_type.empty()) {
    payload["tapis/grant_type"] = request.grant_type;
    payload["tapis/client_id"] = nullptr;
  }
  if (!request.target_site_id.empty()) {
    payload["tapis/target_site"] = request.target_site_id;
  }
  return payload;
}

std::string encode_jwt(const json& payload) {
  const json header = {{"typ", "JWT"}, {"alg", "RS256"}};
  return base64url_encode(header.dump()) + "." + base64url_encode(payload.dump()) + "." +
         base64url_encode(random_bytes(256));
}

}  // namespace

json IssuedToken::to_result() const {
  json access = {
      {"access_token", access_token},
      {"expires_in", expires_in},
      {"expires_at", format_iso_utc(claims.expires_at)},
      {"jti", claims.jti},
  };
  return {{"access_token", access}};
}

std::string_view account_type_name(AccountType type) {
  return type == AccountType::kService ? "service" : "user";
}

IssuedToken TokenStore::mint(const TokenRequest& request) {
  auto now = std::chrono::system_clock::now();

  // exp is whole seconds rounded up, so the token lives at least `ttl` seconds after issue and
  // a client that renews from expires_in never presents an expired token.
  TokenClaims claims;
  claims.jti = random_uuid();
  claims.username = request.username;
  claims.tenant_id = request.tenant_id;
  claims.account_type = request.account_type;
  claims.expires_at = std::chrono::ceil<std::chrono::seconds>(now + request.ttl);

  IssuedToken issued;
  issued.access_token = encode_jwt(make_payload(request, claims));
  issued.claims = claims;
  issued.expires_in = request.ttl.count();

  std::lock_guard lock(mutex_);
  drop_expired(now);
  tokens_.emplace(issued.access_token, claims);
  return issued;
}

std::expected<TokenClaims, TokenError> TokenStore::validate(std::string_view access_token) const {
  std::lock_guard lock(mutex_);
  auto found = tokens_.find(std::string(access_token));
  if (found == tokens_.end()) {
    return std::unexpected(TokenError::kUnknown);
  }
  if (std::chrono::system_clock::now() >= found->second.expires_at) {
    return std::unexpected(TokenError::kExpired);
  }
  return found->second;
}

// Forgets tokens that expired more than an hour ago. Recently expired ones stay, so a client
// that presents one gets the error "expired" rather than "not issued".
void TokenStore::drop_expired(SystemTime now) {
  std::erase_if(tokens_, [&](const auto& entry) {
    return entry.second.expires_at + std::chrono::hours(1) < now;
  });
}

}  // namespace probe::sim
