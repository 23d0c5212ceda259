#pragma once

#include <httplib.h>

#include <expected>
#include <string>

#include "sim_context.h"

namespace probe::sim {

// Response header naming the fault rule applied to a request, in the --fault grammar.
inline constexpr const char* kFaultHeader = "X-Tapis-Sim-Fault";

// Binds `host`:`port`, where port 0 picks a free port. Returns the bound port.
std::expected<int, std::string> bind_server(httplib::Server& server, const std::string& host,
                                            int port);

// Installs every Tapis route, the control API, fault injection, the 404 envelope for unknown
// routes and request logging. `context` must outlive the server.
void configure_server(httplib::Server& server, SimContext& context);

}  // namespace probe::sim
