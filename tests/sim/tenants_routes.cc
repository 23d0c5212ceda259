// Tenants (/v3/tenants): the configured user tenant and the admin tenant, both served here, and
// the tenant owners kept in the store.

#include "request_auth.h"
#include "request_parsing.h"
#include "routes.h"

namespace probe::sim {
namespace {

using nlohmann::json;

constexpr EnvelopeStyle kStyle = EnvelopeStyle::kPython;
constexpr const char* kCreated = "2025-01-15T10:00:00.000000";

// NOTE: a placeholder key. Tokens from this simulator carry random signatures, so no key
// verifies them.
constexpr const char* kPublicKey =
    "-----BEGIN PUBLIC KEY-----\nTAPIS-SIM-PLACEHOLDER-KEY\n-----END PUBLIC KEY-----";

json make_tenant(const SimContext& context, const std::string& tenant_id) {
  const std::string& base_url = context.config.base_url;
  return {
      {"tenant_id", tenant_id},
      {"base_url", base_url},
      {"site_id", context.config.site_id},
      {"token_service", base_url + "/v3/tokens"},
      {"security_kernel", base_url + "/v3/security"},
      {"authenticator", base_url + "/v3/oauth2"},
      {"owner", "owner@tapis-sim.example"},
      {"admin_user", "admin"},
      {"token_gen_services", json::array({"abaco", "authenticator"})},
      {"service_ldap_connection_id", nullptr},
      {"user_ldap_connection_id", "sim-ldap"},
      {"public_key", kPublicKey},
      {"description", "Tenant " + tenant_id + " served by tapis-sim"},
      {"status", "active"},
      {"created_by", "admin"},
      {"last_updated_by", "admin"},
      {"create_time", kCreated},
      {"last_update_time", kCreated},
  };
}

void list_tenants(SimContext& context, const httplib::Request&, httplib::Response& response) {
  json tenants = {make_tenant(context, context.config.admin_tenant),
                  make_tenant(context, context.config.tenant)};
  send_success(response, kStyle, tenants, "Tenants retrieved successfully.");
}

void list_owners(SimContext& context, const httplib::Request&, httplib::Response& response,
                 const TokenClaims&) {
  json owners =
      context.store.with_state([](SimState& state) { return list_records(state.owners); });
  send_success(response, kStyle, owners, "Owners retrieved successfully.");
}

void get_owner(SimContext& context, const httplib::Request& request, httplib::Response& response,
               const TokenClaims&) {
  std::string email = request.matches[1];
  auto owner =
      context.store.with_state([&](SimState& state) { return find_record(state.owners, email); });
  if (!owner) {
    send_error(response, kStyle, 404, "owner not found: '" + email + "'");
    return;
  }
  send_success(response, kStyle, *owner, "Owner retrieved successfully.");
}

// Creates an owner from {name, email, institution}. Returns 200, as the Python services do,
// although the OpenAPI document says 201.
void create_owner(SimContext& context, const httplib::Request& request, httplib::Response& response,
                  const TokenClaims&) {
  auto body = parse_json_object(request);
  if (!body) {
    send_error(response, kStyle, 400, "invalid body: expected a JSON object");
    return;
  }
  for (const char* key : {"name", "email", "institution"}) {
    if (!string_field(*body, key)) {
      send_error(response, kStyle, 400,
                 std::string("missing ") + key + ": an owner needs name, email and institution");
      return;
    }
  }

  std::string now = format_iso_utc_millis(std::chrono::system_clock::now());
  json owner = {{"name", (*body)["name"]},
                {"email", (*body)["email"]},
                {"institution", (*body)["institution"]},
                {"create_time", now},
                {"last_update_time", now}};
  std::string email = owner["email"];
  bool created = context.store.with_state(
      [&](SimState& state) { return state.owners.emplace(email, owner).second; });
  if (!created) {
    send_error(response, kStyle, 400, "owner '" + email + "' already exists");
    return;
  }
  send_success(response, kStyle, owner, "Owner created successfully.");
}

void delete_owner(SimContext& context, const httplib::Request& request, httplib::Response& response,
                  const TokenClaims&) {
  std::string email = request.matches[1];
  bool erased =
      context.store.with_state([&](SimState& state) { return state.owners.erase(email) > 0; });
  if (!erased) {
    send_error(response, kStyle, 404, "owner not found: '" + email + "'");
    return;
  }
  send_success(response, kStyle, nullptr, "Owner deleted successfully.");
}

void get_tenant(SimContext& context, const httplib::Request& request, httplib::Response& response) {
  std::string tenant_id = request.matches[1];
  if (tenant_id != context.config.tenant && tenant_id != context.config.admin_tenant) {
    send_error(response, kStyle, 404, "tenant not found: '" + tenant_id + "'");
    return;
  }
  send_success(response, kStyle, make_tenant(context, tenant_id), "Tenant retrieved successfully.");
}

}  // namespace

void add_tenants_routes(httplib::Server& server, SimContext& context) {
  server.Get("/v3/tenants", with_optional_token(context, kStyle, list_tenants));
  server.Get("/v3/tenants/owners", with_token(context, kStyle, list_owners));
  server.Post("/v3/tenants/owners", with_token(context, kStyle, create_owner));
  server.Get(R"(/v3/tenants/owners/([^/]+))", with_token(context, kStyle, get_owner));
  server.Delete(R"(/v3/tenants/owners/([^/]+))", with_token(context, kStyle, delete_owner));
  server.Get(R"(/v3/tenants/([^/]+))", with_optional_token(context, kStyle, get_tenant));
}

}  // namespace probe::sim
