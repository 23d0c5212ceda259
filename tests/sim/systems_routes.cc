// Systems (/v3/systems): probes, list and get, served from the store.

#include "request_auth.h"
#include "routes.h"

namespace probe::sim {
namespace {

using nlohmann::json;

constexpr EnvelopeStyle kStyle = EnvelopeStyle::kJava;

void list_systems(SimContext& context, const httplib::Request&, httplib::Response& response,
                  const TokenClaims&) {
  json systems =
      context.store.with_state([](SimState& state) { return list_records(state.systems); });
  send_success(response, kStyle, systems,
               "TAPIS_FOUND Systems found: " + std::to_string(systems.size()), 200,
               list_metadata(systems.size()));
}

void get_system(SimContext& context, const httplib::Request& request, httplib::Response& response,
                const TokenClaims&) {
  std::string id = request.matches[1];
  auto system =
      context.store.with_state([&](SimState& state) { return find_record(state.systems, id); });
  if (!system) {
    send_error(response, kStyle, 404, "SYSAPI_NOT_FOUND System not found: '" + id + "'");
    return;
  }
  send_success(response, kStyle, *system, "TAPIS_FOUND System found: " + id);
}

}  // namespace

void add_systems_routes(httplib::Server& server, SimContext& context) {
  add_probe_route(server, "/v3/systems/healthcheck", kStyle,
                  "TAPIS_HEALTHY Systems service is healthy.", json::object());
  add_probe_route(server, "/v3/systems/readycheck", kStyle, "TAPIS_READY Systems service is ready.",
                  json::object());

  server.Get("/v3/systems", with_token(context, kStyle, list_systems));
  server.Get(R"(/v3/systems/([^/]+))", with_token(context, kStyle, get_system));
}

}  // namespace probe::sim
