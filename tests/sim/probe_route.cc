#include "routes.h"

namespace probe::sim {

void add_probe_route(httplib::Server& server, const std::string& path, EnvelopeStyle style,
                     const std::string& message, nlohmann::json result) {
  server.Get(path, [style, message, result](const httplib::Request&, httplib::Response& response) {
    send_success(response, style, result, message);
  });
}

}  // namespace probe::sim
