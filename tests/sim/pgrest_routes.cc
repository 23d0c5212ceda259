// PgREST (/v3/pgrest): the health probe, which needs a token although most probes do not.

#include "request_auth.h"
#include "routes.h"

namespace probe::sim {
namespace {

constexpr EnvelopeStyle kStyle = EnvelopeStyle::kPython;

void get_health(SimContext&, const httplib::Request&, httplib::Response& response,
                const TokenClaims&) {
  send_success(response, kStyle, nlohmann::json::object(), "PgREST is healthy.");
}

}  // namespace

void add_pgrest_routes(httplib::Server& server, SimContext& context) {
  server.Get("/v3/pgrest/healthcheck", with_token(context, kStyle, get_health));
}

}  // namespace probe::sim
