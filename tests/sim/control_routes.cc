#include "request_auth.h"
#include "request_parsing.h"
#include "routes.h"
#include "state_summary.h"

namespace probe::sim {
namespace {

using nlohmann::json;

json error_body(const std::string& message) {
  return {{"error", message}};
}

void add_fault(SimContext& context, const httplib::Request& request, httplib::Response& response) {
  auto body = parse_json_object(request);
  if (!body) {
    send_json(response, 400, error_body("invalid body: expected a JSON object"));
    return;
  }

  auto rule = parse_fault_json(*body);
  if (!rule) {
    send_json(response, 400, error_body(rule.error()));
    return;
  }
  send_json(response, 201, context.faults.add(std::move(*rule)).to_json());
}

void list_faults(SimContext& context, const httplib::Request&, httplib::Response& response) {
  json list = json::array();
  for (const auto& rule : context.faults.list()) {
    list.push_back(rule.to_json());
  }
  send_json(response, 200, list);
}

void clear_faults(SimContext& context, const httplib::Request&, httplib::Response& response) {
  context.faults.clear();
  send_json(response, 200, json::array());
}

void list_requests(SimContext& context, const httplib::Request&, httplib::Response& response) {
  send_json(response, 200, context.requests.to_json());
}

void clear_requests(SimContext& context, const httplib::Request&, httplib::Response& response) {
  context.requests.clear();
  send_json(response, 200, json::array());
}

void get_state(SimContext& context, const httplib::Request&, httplib::Response& response) {
  json summary = context.store.with_state([](SimState& state) { return summarize_state(state); });
  send_json(response, 200, summary);
}

}  // namespace

void add_control_routes(httplib::Server& server, SimContext& context) {
  server.Post("/_sim/faults", without_token(context, add_fault));
  server.Get("/_sim/faults", without_token(context, list_faults));
  server.Delete("/_sim/faults", without_token(context, clear_faults));
  server.Get("/_sim/requests", without_token(context, list_requests));
  server.Delete("/_sim/requests", without_token(context, clear_requests));
  server.Get("/_sim/state", without_token(context, get_state));
}

}  // namespace probe::sim
