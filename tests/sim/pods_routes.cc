// Pods (/v3/pods): the pod list, served from the store.

#include "request_auth.h"
#include "routes.h"

namespace probe::sim {
namespace {

using nlohmann::json;

constexpr EnvelopeStyle kStyle = EnvelopeStyle::kPython;

void list_pods(SimContext& context, const httplib::Request&, httplib::Response& response,
               const TokenClaims&) {
  json pods = context.store.with_state([](SimState& state) { return list_records(state.pods); });
  send_success(response, kStyle, pods, "Pods retrieved.");
}

}  // namespace

void add_pods_routes(httplib::Server& server, SimContext& context) {
  server.Get("/v3/pods", with_token(context, kStyle, list_pods));
}

}  // namespace probe::sim
