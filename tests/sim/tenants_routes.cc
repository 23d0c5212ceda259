// Tenants (/v3/tenants): the configured user tenant and the admin tenant, both served here.

#include "request_auth.h"
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

json make_owner() {
  return {
      {"name", "Tapis Sim Owner"},    {"email", "owner@tapis-sim.example"},
      {"institution", "tapis-sim"},   {"create_time", kCreated},
      {"last_update_time", kCreated},
  };
}

void list_tenants(SimContext& context, const httplib::Request&, httplib::Response& response) {
  json tenants = {make_tenant(context, context.config.admin_tenant),
                  make_tenant(context, context.config.tenant)};
  send_success(response, kStyle, tenants, "Tenants retrieved successfully.");
}

void list_owners(SimContext&, const httplib::Request&, httplib::Response& response,
                 const TokenClaims&) {
  send_success(response, kStyle, json::array({make_owner()}), "Owners retrieved successfully.");
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
  server.Get(R"(/v3/tenants/([^/]+))", with_optional_token(context, kStyle, get_tenant));
}

}  // namespace probe::sim
