// Globus Proxy (/v3/globus-proxy): the health probe, which needs a token.

#include "request_auth.h"
#include "routes.h"

namespace probe::sim {
namespace {

constexpr EnvelopeStyle kStyle = EnvelopeStyle::kPython;

void get_health(SimContext&, const httplib::Request&, httplib::Response& response,
                const TokenClaims&) {
  send_success(response, kStyle, nlohmann::json::object(), "Globus Proxy is healthy.");
}

}  // namespace

void add_globus_proxy_routes(httplib::Server& server, SimContext& context) {
  server.Get("/v3/globus-proxy/healthcheck", with_token(context, kStyle, get_health));
}

}  // namespace probe::sim
