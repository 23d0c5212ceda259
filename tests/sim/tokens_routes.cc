// Tokens API (/v3/tokens): service and user tokens minted by a service account.

#include "request_auth.h"
#include "request_parsing.h"
#include "routes.h"

namespace probe::sim {
namespace {

using nlohmann::json;

constexpr EnvelopeStyle kStyle = EnvelopeStyle::kPython;

std::optional<AccountType> parse_account_type(const std::string& text) {
  if (text == "service") {
    return AccountType::kService;
  }
  if (text == "user") {
    return AccountType::kUser;
  }
  return std::nullopt;
}

// Returns the requested access_token_ttl, the configured default when absent, or nullopt when
// the value is not a positive integer.
std::optional<std::chrono::seconds> parse_ttl(const SimContext& context, const json& body) {
  auto found = body.find("access_token_ttl");
  if (found == body.end() || found->is_null()) {
    return context.config.token_ttl;
  }
  if (!found->is_number_integer() || found->get<std::int64_t>() < 1) {
    return std::nullopt;
  }
  return std::chrono::seconds(found->get<std::int64_t>());
}

bool is_known_tenant(const SimContext& context, const std::string& tenant_id) {
  return tenant_id == context.config.tenant || tenant_id == context.config.admin_tenant;
}

// Builds the token request from the JSON body, or returns the message of a 400 response.
std::expected<TokenRequest, std::string> parse_token_request(const SimContext& context,
                                                             const json& body) {
  for (const char* key : {"account_type", "token_tenant_id", "token_username"}) {
    if (!string_field(body, key)) {
      return std::unexpected(std::string("missing ") + key + ": expected a non-empty string");
    }
  }
  auto account_type = string_field(body, "account_type");
  auto tenant_id = string_field(body, "token_tenant_id");
  auto username = string_field(body, "token_username");

  TokenRequest request;
  auto type = parse_account_type(*account_type);
  if (!type) {
    return std::unexpected("invalid account_type '" + *account_type +
                           "': expected \"service\" or \"user\"");
  }
  if (!is_known_tenant(context, *tenant_id)) {
    return std::unexpected("invalid token_tenant_id '" + *tenant_id + "': unknown tenant");
  }
  auto ttl = parse_ttl(context, body);
  if (!ttl) {
    return std::unexpected("invalid access_token_ttl: expected a positive number of seconds");
  }

  request.account_type = *type;
  request.tenant_id = *tenant_id;
  request.username = *username;
  request.ttl = *ttl;
  request.issuer = context.config.base_url + "/v3/tokens";
  request.target_site_id = string_field(body, "target_site_id").value_or(context.config.site_id);
  return request;
}

// Mints a token for the service account named in HTTP basic auth. Returns 200, as the Flask
// service does, although its OpenAPI document gives 201.
void create_token(SimContext& context, const httplib::Request& request,
                  httplib::Response& response) {
  auto credentials = parse_basic_auth(request);
  const auto& service = context.config.service;
  if (!credentials || credentials->username != service.username ||
      credentials->password != service.password) {
    send_error(response, kStyle, 401,
               "invalid service credentials: send HTTP basic auth with the service account "
               "name and password");
    return;
  }

  auto body = parse_json_object(request);
  if (!body) {
    send_error(response, kStyle, 400, "invalid body: expected a JSON object");
    return;
  }
  auto token_request = parse_token_request(context, *body);
  if (!token_request) {
    send_error(response, kStyle, 400, token_request.error());
    return;
  }
  send_success(response, kStyle, context.tokens.mint(*token_request).to_result(),
               "Token generation successful.");
}

}  // namespace

void add_tokens_routes(httplib::Server& server, SimContext& context) {
  add_probe_route(server, "/v3/tokens/hello", kStyle, "Hello from the Tapis Tokens API.", "");
  add_probe_route(server, "/v3/tokens/ready", kStyle, "Tapis Tokens API is ready.", "");

  server.Post("/v3/tokens", without_token(context, create_token));
}

}  // namespace probe::sim
