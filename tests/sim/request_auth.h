#pragma once

#include <httplib.h>

#include <functional>
#include <optional>

#include "envelope.h"
#include "sim_context.h"

namespace probe::sim {

// Header names are case-insensitive, and cpp-httplib compares them that way.
inline constexpr const char* kTokenHeader = "X-Tapis-Token";
inline constexpr const char* kUserHeader = "X-Tapis-User";
inline constexpr const char* kTenantHeader = "X-Tapis-Tenant";

// A route handler that receives the shared context, and for routes that need a token, the
// token's claims.
using PublicHandler = std::function<void(SimContext&, const httplib::Request&, httplib::Response&)>;
using TokenHandler = std::function<void(SimContext&, const httplib::Request&, httplib::Response&,
                                        const TokenClaims&)>;

// Returns the claims of the X-Tapis-Token header. When the header is missing, unknown or
// expired, sends 401 in `style` and returns nullopt.
std::optional<TokenClaims> require_token(const SimContext& context, const httplib::Request& request,
                                         httplib::Response& response, EnvelopeStyle style);

// Wraps a handler for a route that needs no token.
httplib::Server::Handler without_token(SimContext& context, PublicHandler handler);

// Wraps a handler so it runs only with a valid user or service token.
httplib::Server::Handler with_token(SimContext& context, EnvelopeStyle style, TokenHandler handler);

// Wraps a handler for routes where the token is optional: it runs when no X-Tapis-Token header
// is sent, or when the header contains a valid token. An invalid token still gets 401.
httplib::Server::Handler with_optional_token(SimContext& context, EnvelopeStyle style,
                                             PublicHandler handler);

// Wraps a handler that needs a service token acting for a user: X-Tapis-Token must hold a
// service token (else 401, or 403 for a user token) and X-Tapis-User and X-Tapis-Tenant must be
// present (else 403).
httplib::Server::Handler with_service_token(SimContext& context, EnvelopeStyle style,
                                            TokenHandler handler);

}  // namespace probe::sim
