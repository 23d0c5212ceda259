// Apps (/v3/apps): probes, list and get, served from the store.

#include "request_auth.h"
#include "routes.h"

namespace probe::sim {
namespace {

using nlohmann::json;

constexpr EnvelopeStyle kStyle = EnvelopeStyle::kJava;

void list_apps(SimContext& context, const httplib::Request&, httplib::Response& response,
               const TokenClaims&) {
  json apps = context.store.with_state([](SimState& state) {
    json list = json::array();
    for (const auto& [id, versions] : state.apps) {
      if (!versions.empty()) {
        list.push_back(versions.rbegin()->second);
      }
    }
    return list;
  });
  send_success(response, kStyle, apps, "TAPIS_FOUND Apps found: " + std::to_string(apps.size()),
               200, list_metadata(apps.size()));
}

// Returns the latest version of an app.
// NOTE: "latest" is the greatest version string in lexical order, so 0.10 sorts before 0.9.
void get_app(SimContext& context, const httplib::Request& request, httplib::Response& response,
             const TokenClaims&) {
  std::string id = request.matches[1];
  auto app = context.store.with_state([&](SimState& state) -> std::optional<json> {
    auto found = state.apps.find(id);
    if (found == state.apps.end() || found->second.empty()) {
      return std::nullopt;
    }
    return found->second.rbegin()->second;
  });
  if (!app) {
    send_error(response, kStyle, 404, "APPAPI_NOT_FOUND App not found: '" + id + "'");
    return;
  }
  send_success(response, kStyle, *app, "TAPIS_FOUND App found: " + id);
}

}  // namespace

void add_apps_routes(httplib::Server& server, SimContext& context) {
  add_probe_route(server, "/v3/apps/healthcheck", kStyle, "TAPIS_HEALTHY Apps service is healthy.",
                  json::object());
  add_probe_route(server, "/v3/apps/readycheck", kStyle, "TAPIS_READY Apps service is ready.",
                  json::object());

  server.Get("/v3/apps", with_token(context, kStyle, list_apps));
  server.Get(R"(/v3/apps/([^/]+))", with_token(context, kStyle, get_app));
}

}  // namespace probe::sim
