// Authenticator (/v3/oauth2): user tokens from the password grant.

#include "request_auth.h"
#include "request_parsing.h"
#include "routes.h"

namespace probe::sim {
namespace {

using nlohmann::json;

constexpr EnvelopeStyle kStyle = EnvelopeStyle::kPython;

// Mints a user token for a password-grant body (JSON or form). Returns 200, as the Flask
// service does, although its OpenAPI document gives 201.
void create_token(SimContext& context, const httplib::Request& request,
                  httplib::Response& response) {
  auto fields = parse_json_or_form(request);
  if (!fields) {
    send_error(response, kStyle, 400,
               "invalid body: expected JSON or form fields username, password and grant_type");
    return;
  }

  auto grant_type = string_field(*fields, "grant_type");
  auto username = string_field(*fields, "username");
  auto password = string_field(*fields, "password");
  if (!grant_type) {
    send_error(response, kStyle, 400, "missing grant_type: this tenant supports \"password\"");
    return;
  }
  if (*grant_type != "password") {
    send_error(response, kStyle, 400,
               "unsupported grant_type '" + *grant_type + "': this tenant supports \"password\"");
    return;
  }
  if (!username || !password) {
    send_error(response, kStyle, 400, "missing username or password for the password grant");
    return;
  }

  const auto& user = context.config.user;
  if (*username != user.username || *password != user.password) {
    send_error(response, kStyle, 401, "invalid username/password combination");
    return;
  }

  TokenRequest token_request;
  token_request.username = *username;
  token_request.tenant_id = context.config.tenant;
  token_request.account_type = AccountType::kUser;
  token_request.ttl = context.config.token_ttl;
  token_request.issuer = context.config.base_url + "/v3/tokens";
  token_request.grant_type = *grant_type;
  send_success(response, kStyle, context.tokens.mint(token_request).to_result(),
               "Token created successfully.");
}

}  // namespace

void add_oauth2_routes(httplib::Server& server, SimContext& context) {
  add_probe_route(server, "/v3/oauth2/hello", kStyle, "Hello from the Tapis Authenticator.", "");
  add_probe_route(server, "/v3/oauth2/ready", kStyle, "Tapis Authenticator is ready.", "");

  server.Post("/v3/oauth2/tokens", without_token(context, create_token));
}

}  // namespace probe::sim
