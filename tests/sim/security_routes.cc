// Security Kernel (/v3/security): probes and role names.

#include "request_auth.h"
#include "routes.h"

namespace probe::sim {
namespace {

using nlohmann::json;

constexpr EnvelopeStyle kStyle = EnvelopeStyle::kJava;

void add_sk_probe(httplib::Server& server, SimContext& context, const std::string& path,
                  const std::string& message) {
  server.Get(path, [&context, message](const httplib::Request&, httplib::Response& response) {
    auto check_number =
        context.store.with_state([](SimState& state) { return ++state.probe_count; });
    send_success(response, kStyle, {{"checkNum", check_number}}, message);
  });
}

// Lists role names. SK authorizes users only for tenants they have access to, so a user token may
// name only its own tenant. A service token may name any tenant of this site.
void list_role_names(SimContext& context, const httplib::Request& request,
                     httplib::Response& response, const TokenClaims& claims) {
  std::string tenant = request.get_param_value("tenant");
  if (tenant.empty()) {
    send_error(response, kStyle, 400,
               "missing query parameter tenant: pass ?tenant=" + claims.tenant_id);
    return;
  }

  bool known = tenant == context.config.tenant || tenant == context.config.admin_tenant;
  bool allowed = claims.account_type == AccountType::kService ? known : tenant == claims.tenant_id;
  if (!allowed) {
    send_error(
        response, kStyle, 400,
        "invalid tenant '" + tenant + "': the token belongs to tenant '" + claims.tenant_id + "'");
    return;
  }

  json names = {"$!tenant_admin", "sim_reader", "sim_writer"};
  send_success(response, kStyle, {{"names", names}}, "Role names retrieved.");
}

}  // namespace

void add_security_routes(httplib::Server& server, SimContext& context) {
  add_probe_route(server, "/v3/security/hello", kStyle, "Hello from the Tapis Security Kernel.",
                  json::object());
  add_sk_probe(server, context, "/v3/security/healthcheck", "Security Kernel is healthy.");
  add_sk_probe(server, context, "/v3/security/readycheck", "Security Kernel is ready.");
  add_sk_probe(server, context, "/v3/security/ready", "Security Kernel is ready.");

  server.Get("/v3/security/role", with_token(context, kStyle, list_role_names));
}

}  // namespace probe::sim
