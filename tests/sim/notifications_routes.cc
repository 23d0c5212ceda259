// Notifications (/v3/notifications): probes and the subscription list.

#include "request_auth.h"
#include "routes.h"

namespace probe::sim {
namespace {

using nlohmann::json;

constexpr EnvelopeStyle kStyle = EnvelopeStyle::kJava;

void list_subscriptions(SimContext&, const httplib::Request&, httplib::Response& response,
                        const TokenClaims& claims) {
  json target = {{"deliveryMethod", "EMAIL"}, {"deliveryAddress", "testuser@tapis-sim.example"}};
  json subscription = {
      {"tenant", claims.tenant_id},
      {"name", "sim-subscription"},
      {"description", "Subscription served by tapis-sim"},
      {"owner", claims.username},
      {"enabled", true},
      {"typeFilter", "jobs.*.*"},
      {"subjectFilter", "*"},
      {"deliveryTargets", json::array({target})},
      {"ttlMinutes", 10080},
      {"uuid", "9b2f6a1e-3c4d-4e5f-8a6b-7c8d9e0f1a2b"},
      {"expiry", "2035-01-15T10:00:00.000Z"},
      {"created", "2025-01-15T10:00:00.000Z"},
      {"updated", "2025-01-15T10:00:00.000Z"},
  };
  send_success(response, kStyle, json::array({subscription}), "TAPIS_FOUND Subscriptions found: 1",
               200, list_metadata(1));
}

}  // namespace

void add_notifications_routes(httplib::Server& server, SimContext& context) {
  add_probe_route(server, "/v3/notifications/healthcheck", kStyle,
                  "TAPIS_HEALTHY Notifications service is healthy.", json::object());
  add_probe_route(server, "/v3/notifications/readycheck", kStyle,
                  "TAPIS_READY Notifications service is ready.", json::object());

  server.Get("/v3/notifications/subscriptions", with_token(context, kStyle, list_subscriptions));
}

}  // namespace probe::sim
