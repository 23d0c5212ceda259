#pragma once

#include <httplib.h>

#include "envelope.h"
#include "sim_context.h"

namespace probe::sim {

// Each function registers the routes of one Tapis service. cpp-httplib tries patterns in
// registration order, so each function registers fixed paths before patterns that capture ids.
// The routes of a service's larger parts (actor executions, file transfers, PostIts, Streams
// projects) have functions of their own, which the service's function calls.
void add_actors_routes(httplib::Server& server, SimContext& context);
void add_actors_executions_routes(httplib::Server& server, SimContext& context);
void add_apps_routes(httplib::Server& server, SimContext& context);
void add_files_routes(httplib::Server& server, SimContext& context);
void add_files_transfers_routes(httplib::Server& server, SimContext& context);
void add_files_postits_routes(httplib::Server& server, SimContext& context);
void add_globus_proxy_routes(httplib::Server& server, SimContext& context);
void add_jobs_routes(httplib::Server& server, SimContext& context);
void add_meta_routes(httplib::Server& server, SimContext& context);
void add_notifications_routes(httplib::Server& server, SimContext& context);
void add_oauth2_routes(httplib::Server& server, SimContext& context);
void add_pgrest_routes(httplib::Server& server, SimContext& context);
void add_pods_routes(httplib::Server& server, SimContext& context);
void add_security_routes(httplib::Server& server, SimContext& context);
void add_streams_routes(httplib::Server& server, SimContext& context);
void add_streams_projects_routes(httplib::Server& server, SimContext& context);
void add_systems_routes(httplib::Server& server, SimContext& context);
void add_tenants_routes(httplib::Server& server, SimContext& context);
void add_tokens_routes(httplib::Server& server, SimContext& context);
void add_workflows_routes(httplib::Server& server, SimContext& context);

// The simulator's own API under /_sim/: fault rules, the request log and the state summary.
void add_control_routes(httplib::Server& server, SimContext& context);

// Registers a GET route that always succeeds with `result`, for hello, ready and health probes.
void add_probe_route(httplib::Server& server, const std::string& path, EnvelopeStyle style,
                     const std::string& message, nlohmann::json result);

}  // namespace probe::sim
