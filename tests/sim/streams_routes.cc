// Streams (/v3/streams): probes. The projects and the resources below them have their own file.

#include "request_auth.h"
#include "routes.h"

namespace probe::sim {
namespace {

using nlohmann::json;

constexpr EnvelopeStyle kStyle = EnvelopeStyle::kPython;

// Checks the tenant named in ?tenant=, which the Streams spec requires because the real probe
// checks Meta, Kapacitor, InfluxDB and CHORDS for that tenant.
void get_health(SimContext& context, const httplib::Request& request, httplib::Response& response) {
  std::string tenant = request.get_param_value("tenant");
  if (tenant.empty()) {
    send_error(response, kStyle, 400,
               "missing query parameter tenant: pass ?tenant=" + context.config.tenant);
    return;
  }
  if (tenant != context.config.tenant && tenant != context.config.admin_tenant) {
    send_error(response, kStyle, 400, "invalid tenant '" + tenant + "': unknown tenant");
    return;
  }
  send_success(response, kStyle, "", "Tapis Streams is healthy for tenant " + tenant + ".");
}

}  // namespace

void add_streams_routes(httplib::Server& server, SimContext& context) {
  add_probe_route(server, "/v3/streams/hello", kStyle, "Hello from Tapis Streams.", "");
  add_probe_route(server, "/v3/streams/ready", kStyle, "Tapis Streams is ready.", "");

  server.Get("/v3/streams/healthcheck", without_token(context, get_health));
  add_streams_projects_routes(server, context);
}

}  // namespace probe::sim
