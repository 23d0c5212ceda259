// Actor messages and executions (/v3/actors/{id}/messages and .../executions). A message starts
// an execution that goes SUBMITTED, RUNNING, COMPLETE, one status per tick; a message that
// contains "error" (any case) ends ERROR instead, with exit code 1.

#include <algorithm>
#include <cctype>

#include "random_ids.h"
#include "request_auth.h"
#include "request_parsing.h"
#include "routes.h"

namespace probe::sim {
namespace {

using nlohmann::json;

constexpr EnvelopeStyle kStyle = EnvelopeStyle::kPython;

std::string lower_case(std::string text) {
  std::ranges::transform(text, text.begin(),
                         [](char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// Returns the message of a JSON body {"message": ...} or a form field message=..., as text.
std::optional<std::string> read_message(const httplib::Request& request) {
  auto fields = parse_json_or_form(request);
  if (!fields || !fields->contains("message") || (*fields)["message"].is_null()) {
    return std::nullopt;
  }
  const json& message = (*fields)["message"];
  return message.is_string() ? message.get<std::string>() : message.dump();
}

json make_execution(const SimContext& context, const json& actor, const std::string& id) {
  return {
      {"id", id},
      {"actor_id", actor["id"]},
      {"api_server", context.config.base_url},
      {"owner", actor["owner"]},
      {"status", "SUBMITTED"},
      {"message_received_time", format_iso_utc_millis(std::chrono::system_clock::now())},
      {"start_time", nullptr},
      {"finish_time", nullptr},
      {"worker_id", nullptr},
      {"cpu", 0},
      {"io", 0},
      {"runtime", 0},
      {"exit_code", nullptr},
  };
}

bool apply_execution_step(SimState& state, const std::string& actor_id,
                          const std::string& execution_id, const std::string& message,
                          const std::string& status, SystemTime at) {
  auto executions = state.executions.find(actor_id);
  if (executions == state.executions.end() || !executions->second.contains(execution_id)) {
    return false;
  }
  json& execution = executions->second[execution_id];
  std::string& logs = state.execution_logs[execution_id];
  execution["status"] = status;
  if (status == "RUNNING") {
    execution["start_time"] = format_iso_utc_millis(at);
    execution["worker_id"] = random_alphanumeric(13);
    logs += "actor " + actor_id + " received message: " + message + "\n";
    return true;
  }

  bool failed = status == "ERROR";
  execution["finish_time"] = format_iso_utc_millis(at);
  execution["exit_code"] = failed ? 1 : 0;
  execution["runtime"] = 1;
  logs += failed ? "error: the message contains \"error\", so the actor exits with code 1\n"
                 : "hello from tapis-sim\n";
  return false;
}

void send_message(SimContext& context, const httplib::Request& request, httplib::Response& response,
                  const TokenClaims&) {
  std::string actor_id = request.matches[1];
  auto message = read_message(request);
  if (!message) {
    send_error(response, kStyle, 400,
               "missing message: send a JSON body {\"message\": ...} or the form field message");
    return;
  }

  std::string execution_id = random_alphanumeric(13);
  bool sent = context.store.with_state([&](SimState& state) {
    auto actor = state.actors.find(actor_id);
    if (actor == state.actors.end()) {
      return false;
    }
    state.executions[actor_id][execution_id] = make_execution(context, actor->second, execution_id);
    state.execution_logs[execution_id] = "";
    bool fails = lower_case(*message).find("error") != std::string::npos;
    std::vector<std::string> statuses = {"SUBMITTED", "RUNNING", fails ? "ERROR" : "COMPLETE"};
    start_lifecycle(
        state, "actor/" + actor_id + "/execution/" + execution_id, one_step_per_tick(statuses),
        [actor_id, execution_id, text = *message](SimState& current, const std::string& status,
                                                  SystemTime at) {
          return apply_execution_step(current, actor_id, execution_id, text, status, at);
        });
    return true;
  });
  if (!sent) {
    send_error(response, kStyle, 404, "actor not found: '" + actor_id + "'");
    return;
  }

  // Abaco writes execution_id by default; its OpenAPI document spells it executionId.
  json result = {{"execution_id", execution_id}, {"executionId", execution_id}, {"msg", *message}};
  send_success(response, kStyle, result, "The request was successful");
}

void list_executions(SimContext& context, const httplib::Request& request,
                     httplib::Response& response, const TokenClaims&) {
  std::string actor_id = request.matches[1];
  auto summary = context.store.with_state([&](SimState& state) -> std::optional<json> {
    auto actor = state.actors.find(actor_id);
    if (actor == state.actors.end()) {
      return std::nullopt;
    }
    json executions = json::array();
    for (const auto& [id, execution] : state.executions[actor_id]) {
      executions.push_back({{"id", id},
                            {"status", execution["status"]},
                            {"message_received_time", execution["message_received_time"]},
                            {"start_time", execution["start_time"]},
                            {"finish_time", execution["finish_time"]}});
    }
    return json{{"actor_id", actor_id},
                {"api_server", context.config.base_url},
                {"owner", actor->second["owner"]},
                {"total_executions", executions.size()},
                {"total_cpu", 0},
                {"total_io", 0},
                {"total_runtime", executions.size()},
                {"executions", executions}};
  });
  if (!summary) {
    send_error(response, kStyle, 404, "actor not found: '" + actor_id + "'");
    return;
  }
  send_success(response, kStyle, *summary, "Actor executions retrieved successfully.");
}

// Returns a copy of the execution and its logs, or nullopt when the actor or execution is
// unknown.
std::optional<std::pair<json, std::string>> find_execution(SimContext& context,
                                                           const httplib::Request& request) {
  std::string actor_id = request.matches[1];
  std::string execution_id = request.matches[2];
  return context.store.with_state(
      [&](SimState& state) -> std::optional<std::pair<json, std::string>> {
        auto executions = state.executions.find(actor_id);
        if (!state.actors.contains(actor_id) || executions == state.executions.end() ||
            !executions->second.contains(execution_id)) {
          return std::nullopt;
        }
        return std::pair{executions->second[execution_id], state.execution_logs[execution_id]};
      });
}

void send_execution_not_found(httplib::Response& response, const httplib::Request& request) {
  send_error(response, kStyle, 404,
             "execution not found: '" + std::string(request.matches[2]) + "' of actor '" +
                 std::string(request.matches[1]) + "'");
}

void get_execution(SimContext& context, const httplib::Request& request,
                   httplib::Response& response, const TokenClaims&) {
  auto execution = find_execution(context, request);
  if (!execution) {
    send_execution_not_found(response, request);
    return;
  }
  send_success(response, kStyle, execution->first, "Actor execution retrieved successfully.");
}

void get_execution_logs(SimContext& context, const httplib::Request& request,
                        httplib::Response& response, const TokenClaims&) {
  auto execution = find_execution(context, request);
  if (!execution) {
    send_execution_not_found(response, request);
    return;
  }
  send_success(response, kStyle, json{{"logs", execution->second}}, "Logs retrieved successfully.");
}

}  // namespace

void add_actors_executions_routes(httplib::Server& server, SimContext& context) {
  server.Post(R"(/v3/actors/([^/]+)/messages)", with_token(context, kStyle, send_message));
  server.Get(R"(/v3/actors/([^/]+)/executions)", with_token(context, kStyle, list_executions));
  server.Get(R"(/v3/actors/([^/]+)/executions/([^/]+))",
             with_token(context, kStyle, get_execution));
  server.Get(R"(/v3/actors/([^/]+)/executions/([^/]+)/logs)",
             with_token(context, kStyle, get_execution_logs));
}

}  // namespace probe::sim
