// Jobs (/v3/jobs): probes and the job list, served from the store.

#include "request_auth.h"
#include "routes.h"

namespace probe::sim {
namespace {

using nlohmann::json;

constexpr EnvelopeStyle kStyle = EnvelopeStyle::kJava;

// Registers a probe whose result is the Jobs spec's JobsProbe.
void add_jobs_probe(httplib::Server& server, SimContext& context, const std::string& path,
                    const std::string& message) {
  server.Get(path, [&context, message](const httplib::Request&, httplib::Response& response) {
    auto check_number =
        context.store.with_state([](SimState& state) { return ++state.probe_count; });
    json result = {
        {"checkNum", check_number},
        {"databaseAccess", true},
        {"tenantsAccess", true},
        {"queueAccess", true},
    };
    send_success(response, kStyle, result, message);
  });
}

void list_jobs(SimContext& context, const httplib::Request&, httplib::Response& response,
               const TokenClaims&) {
  json jobs = context.store.with_state([](SimState& state) { return list_records(state.jobs); });
  send_success(response, kStyle, jobs,
               "JOBS_LIST_RETRIEVED " + std::to_string(jobs.size()) + " jobs retrieved.", 200,
               list_metadata(jobs.size()));
}

}  // namespace

void add_jobs_routes(httplib::Server& server, SimContext& context) {
  add_jobs_probe(server, context, "/v3/jobs/healthcheck", "Jobs service is healthy.");
  add_jobs_probe(server, context, "/v3/jobs/readycheck", "Jobs service is ready.");
  add_jobs_probe(server, context, "/v3/jobs/ready", "Jobs service is ready.");
  add_probe_route(server, "/v3/jobs/hello", kStyle, "Hello from the Tapis Jobs service.",
                  json::object());

  server.Get("/v3/jobs/list", with_token(context, kStyle, list_jobs));
}

}  // namespace probe::sim
