// Actors (Abaco, /v3/actors): list, create, get and delete, kept in the store. A new actor is
// SUBMITTED and becomes READY two ticks later. Messages and executions have their own file.

#include "random_ids.h"
#include "request_auth.h"
#include "request_parsing.h"
#include "routes.h"

namespace probe::sim {
namespace {

using nlohmann::json;

constexpr EnvelopeStyle kStyle = EnvelopeStyle::kPython;

json make_actor(const json& body, const TokenClaims& claims, const std::string& image) {
  std::string now = format_iso_utc_millis(std::chrono::system_clock::now());
  std::string id = random_alphanumeric(13);
  json actor = {
      {"id", id},
      {"name", string_field(body, "name").value_or(id)},
      {"image", image},
      {"owner", claims.username},
      {"description", string_field(body, "description").value_or("")},
      {"status", "SUBMITTED"},
      {"status_message", ""},
      {"create_time", now},
      {"last_update_time", now},
      {"default_environment", json::object()},
      {"link", ""},
      {"mounts", json::array()},
      {"privileged", false},
      {"queue", "default"},
      {"state", json::object()},
      {"stateless", true},
      {"token", true},
      {"cron_on", false},
      {"cron_schedule", nullptr},
      {"cron_next_ex", nullptr},
      {"type", "none"},
  };

  // Object and boolean settings from the request are kept when their types match the spec.
  for (const char* key : {"default_environment", "state"}) {
    if (body.contains(key) && body[key].is_object()) {
      actor[key] = body[key];
    }
  }
  for (const char* key : {"stateless", "privileged", "token"}) {
    if (body.contains(key) && body[key].is_boolean()) {
      actor[key] = body[key];
    }
  }
  return actor;
}

// Creates an actor. Returns 200, as Abaco does, although its OpenAPI document gives 201.
void create_actor(SimContext& context, const httplib::Request& request, httplib::Response& response,
                  const TokenClaims& claims) {
  auto body = parse_json_object(request);
  if (!body) {
    send_error(response, kStyle, 400, "invalid body: expected a JSON object with an image");
    return;
  }
  auto image = string_field(*body, "image");
  if (!image) {
    send_error(response, kStyle, 400, "missing image: an actor needs a Docker image");
    return;
  }

  json actor = make_actor(*body, claims, *image);
  std::string id = actor["id"];
  context.store.with_state([&](SimState& state) {
    state.actors[id] = actor;
    start_lifecycle(state, "actor/" + id, {{"SUBMITTED", 0}, {"READY", 2}},
                    [id](SimState& current, const std::string& status, SystemTime at) {
                      auto found = current.actors.find(id);
                      if (found == current.actors.end()) {
                        return false;
                      }
                      found->second["status"] = status;
                      found->second["last_update_time"] = format_iso_utc_millis(at);
                      return true;
                    });
  });
  send_success(response, kStyle, actor, "Actor created successfully.");
}

void list_actors(SimContext& context, const httplib::Request&, httplib::Response& response,
                 const TokenClaims&) {
  json actors =
      context.store.with_state([](SimState& state) { return list_records(state.actors); });
  send_success(response, kStyle, actors, "Actors retrieved successfully.");
}

void get_actor(SimContext& context, const httplib::Request& request, httplib::Response& response,
               const TokenClaims&) {
  std::string id = request.matches[1];
  auto actor =
      context.store.with_state([&](SimState& state) { return find_record(state.actors, id); });
  if (!actor) {
    send_error(response, kStyle, 404, "actor not found: '" + id + "'");
    return;
  }
  send_success(response, kStyle, *actor, "Actor retrieved successfully.");
}

void delete_actor(SimContext& context, const httplib::Request& request, httplib::Response& response,
                  const TokenClaims&) {
  std::string id = request.matches[1];
  bool erased = context.store.with_state([&](SimState& state) {
    if (state.actors.erase(id) == 0) {
      return false;
    }
    for (const auto& [execution_id, execution] : state.executions[id]) {
      state.execution_logs.erase(execution_id);
    }
    state.executions.erase(id);
    cancel_lifecycles(state, "actor/" + id);
    return true;
  });
  if (!erased) {
    send_error(response, kStyle, 404, "actor not found: '" + id + "'");
    return;
  }
  send_success(response, kStyle, nullptr, "Actor deleted successfully.");
}

}  // namespace

void add_actors_routes(httplib::Server& server, SimContext& context) {
  server.Get("/v3/actors", with_token(context, kStyle, list_actors));
  server.Post("/v3/actors", with_token(context, kStyle, create_actor));
  server.Get(R"(/v3/actors/([^/]+))", with_token(context, kStyle, get_actor));
  server.Delete(R"(/v3/actors/([^/]+))", with_token(context, kStyle, delete_actor));
  add_actors_executions_routes(server, context);
}

}  // namespace probe::sim
