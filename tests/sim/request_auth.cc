#include "request_auth.h"

#include <string>

namespace probe::sim {
namespace {

std::string describe(TokenError error) {
  if (error == TokenError::kExpired) {
    return "no valid Tapis token: the X-Tapis-Token token has expired; request a new one";
  }
  return "no valid Tapis token: the X-Tapis-Token token was not issued by this tenant";
}

}  // namespace

std::optional<TokenClaims> require_token(const SimContext& context, const httplib::Request& request,
                                         httplib::Response& response, EnvelopeStyle style) {
  std::string token = request.get_header_value(kTokenHeader);
  if (token.empty()) {
    send_error(response, style, 401,
               "no valid Tapis token: the X-Tapis-Token header is missing; get a token from "
               "POST /v3/oauth2/tokens");
    return std::nullopt;
  }

  auto claims = context.tokens.validate(token);
  if (!claims) {
    send_error(response, style, 401, describe(claims.error()));
    return std::nullopt;
  }
  return *claims;
}

httplib::Server::Handler without_token(SimContext& context, PublicHandler handler) {
  return [&context, handler = std::move(handler)](const httplib::Request& request,
                                                  httplib::Response& response) {
    handler(context, request, response);
  };
}

httplib::Server::Handler with_token(SimContext& context, EnvelopeStyle style,
                                    TokenHandler handler) {
  return [&context, style, handler = std::move(handler)](const httplib::Request& request,
                                                         httplib::Response& response) {
    if (auto claims = require_token(context, request, response, style)) {
      handler(context, request, response, *claims);
    }
  };
}

httplib::Server::Handler with_optional_token(SimContext& context, EnvelopeStyle style,
                                             PublicHandler handler) {
  return [&context, style, handler = std::move(handler)](const httplib::Request& request,
                                                         httplib::Response& response) {
    if (!request.has_header(kTokenHeader) || require_token(context, request, response, style)) {
      handler(context, request, response);
    }
  };
}

httplib::Server::Handler with_service_token(SimContext& context, EnvelopeStyle style,
                                            TokenHandler handler) {
  return [&context, style, handler = std::move(handler)](const httplib::Request& request,
                                                         httplib::Response& response) {
    auto claims = require_token(context, request, response, style);
    if (!claims) {
      return;
    }
    if (claims->account_type != AccountType::kService) {
      send_error(response, style, 403,
                 "this route needs a service token from POST /v3/tokens, but the X-Tapis-Token "
                 "header holds a user token for '" +
                     claims->username + "'");
      return;
    }
    if (request.get_header_value(kUserHeader).empty() ||
        request.get_header_value(kTenantHeader).empty()) {
      send_error(response, style, 403,
                 "missing X-Tapis-User or X-Tapis-Tenant header: a service token must name the "
                 "user and tenant it acts for");
      return;
    }
    handler(context, request, response, *claims);
  };
}

}  // namespace probe::sim
