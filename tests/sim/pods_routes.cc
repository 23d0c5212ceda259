// Pods (/v3/pods): list, create, get, logs, permissions and delete. A new pod goes REQUESTED,
// SPAWNER SETUP, CREATING, AVAILABLE, one status per tick. Deleting removes the pod at once.

#include <algorithm>
#include <expected>
#include <functional>
#include <set>

#include "request_auth.h"
#include "request_parsing.h"
#include "resource_ids.h"
#include "routes.h"

namespace probe::sim {
namespace {

using nlohmann::json;

constexpr EnvelopeStyle kStyle = EnvelopeStyle::kPython;

void list_pods(SimContext& context, const httplib::Request&, httplib::Response& response,
               const TokenClaims&) {
  json pods = context.store.with_state([](SimState& state) { return list_records(state.pods); });
  send_success(response, kStyle, pods, "Pods retrieved.");
}

// Builds a pod record from a NewPod body; pod_id and image or template are checked already.
json make_pod(const json& body, const TokenClaims& claims, const std::string& pod_id) {
  std::string now = format_iso_utc_millis(std::chrono::system_clock::now());
  json pod = {
      {"image", ""},
      {"template", ""},
      {"description", ""},
      {"command", nullptr},
      {"arguments", nullptr},
      {"environment_variables", json::object()},
      {"status_requested", "ON"},
      {"volume_mounts", json::object()},
      {"time_to_stop_default", 43200},
      {"time_to_stop_instance", nullptr},
      {"compute_queue", "default"},
  };

  for (const auto& [key, value] : body.items()) {
    if (pod.contains(key)) {
      pod[key] = value;
    }
  }

  pod["pod_id"] = pod_id;
  pod["networking"] = {
      {"default", {{"protocol", "http"}, {"port", 5000}, {"url", pod_id + ".pods.sim"}}}};
  pod["resources"] = {{"cpu_request", 250},
                      {"cpu_limit", 2000},
                      {"mem_request", 256},
                      {"mem_limit", 3072},
                      {"gpus", 0}};

  pod["time_to_stop_ts"] = nullptr;
  pod["status"] = "REQUESTED";
  pod["status_container"] = {{"phase", "Pending"}, {"message", ""}};
  pod["creation_ts"] = now;
  pod["update_ts"] = now;
  pod["start_instance_ts"] = nullptr;
  pod["permissions"] = json::array({claims.username + ":ADMIN"});
  return pod;
}

bool apply_pod_step(SimState& state, const std::string& pod_id, const std::string& status,
                    SystemTime at) {
  auto found = state.pods.find(pod_id);
  if (found == state.pods.end()) {
    return false;
  }
  json& pod = found->second;
  std::string time = format_iso_utc_millis(at);
  pod["status"] = status;
  pod["update_ts"] = time;

  json& logs = state.pod_logs[pod_id];
  logs["action_logs"].push_back(time + ": pod status changed to " + status);
  if (status != "AVAILABLE") {
    return true;
  }
  pod["status_container"] = {{"phase", "Running"}, {"message", ""}};
  pod["start_instance_ts"] = time;
  std::string source = pod["template"].get<std::string>().empty()
                           ? "image " + pod["image"].get<std::string>()
                           : "template " + pod["template"].get<std::string>();
  logs["logs"] = "tapis-sim pod " + pod_id + " started from " + source + "\n";
  return false;
}

// Creates a pod. The pod_id must be lowercase letters and digits, and image or template must be
// set. Pods returns 200 here, and 400 for an existing pod_id.
void create_pod(SimContext& context, const httplib::Request& request, httplib::Response& response,
                const TokenClaims& claims) {
  auto body = parse_json_object(request);
  if (!body) {
    send_error(response, kStyle, 400, "invalid body: expected a JSON object with a pod_id");
    return;
  }
  auto pod_id = string_field(*body, "pod_id");
  if (!pod_id || !is_valid_pod_id(*pod_id)) {
    send_error(response, kStyle, 400,
               "invalid pod_id: expected 1 to 128 lowercase letters and digits");
    return;
  }
  if (!string_field(*body, "image") && !string_field(*body, "template")) {
    send_error(response, kStyle, 400, "missing image or template: a pod needs one of them");
    return;
  }

  json pod = make_pod(*body, claims, *pod_id);
  bool created = context.store.with_state([&](SimState& state) {
    if (state.pods.contains(*pod_id)) {
      return false;
    }
    state.pods[*pod_id] = pod;
    state.pod_logs[*pod_id] = {{"logs", ""},
                               {"action_logs", json::array({pod["creation_ts"].get<std::string>() +
                                                            ": pod requested, status REQUESTED"})}};
    std::vector<std::string> statuses = {"REQUESTED", "SPAWNER SETUP", "CREATING", "AVAILABLE"};
    start_lifecycle(state, "pod/" + *pod_id, one_step_per_tick(statuses),
                    [id = *pod_id](SimState& current, const std::string& status, SystemTime at) {
                      return apply_pod_step(current, id, status, at);
                    });
    return true;
  });
  if (!created) {
    send_error(response, kStyle, 400, "pod_id '" + *pod_id + "' already exists");
    return;
  }
  send_success(response, kStyle, pod, "Pod created successfully.");
}

void send_pod_not_found(httplib::Response& response, const std::string& pod_id) {
  send_error(response, kStyle, 404, "pod not found: '" + pod_id + "'");
}

void get_pod(SimContext& context, const httplib::Request& request, httplib::Response& response,
             const TokenClaims&) {
  std::string pod_id = request.matches[1];
  auto pod =
      context.store.with_state([&](SimState& state) { return find_record(state.pods, pod_id); });
  if (!pod) {
    send_pod_not_found(response, pod_id);
    return;
  }
  send_success(response, kStyle, *pod, "Pod retrieved successfully.");
}

// Returns a LogsModel: the container's output once the pod is AVAILABLE, and one action log
// line per status change. The seeded pod gets a fixed log.
void get_pod_logs(SimContext& context, const httplib::Request& request, httplib::Response& response,
                  const TokenClaims&) {
  std::string pod_id = request.matches[1];
  auto logs = context.store.with_state([&](SimState& state) -> std::optional<json> {
    if (!state.pods.contains(pod_id)) {
      return std::nullopt;
    }
    auto found = state.pod_logs.find(pod_id);
    if (found == state.pod_logs.end()) {
      return json{{"logs", "tapis-sim pod " + pod_id + " is running\n"},
                  {"action_logs", json::array()}};
    }
    return found->second;
  });
  if (!logs) {
    send_pod_not_found(response, pod_id);
    return;
  }
  send_success(response, kStyle, *logs, "Pod logs retrieved successfully.");
}

void delete_pod(SimContext& context, const httplib::Request& request, httplib::Response& response,
                const TokenClaims&) {
  std::string pod_id = request.matches[1];
  bool erased = context.store.with_state([&](SimState& state) {
    if (state.pods.erase(pod_id) == 0) {
      return false;
    }
    state.pod_logs.erase(pod_id);
    cancel_lifecycles(state, "pod/" + pod_id);
    return true;
  });
  if (!erased) {
    send_pod_not_found(response, pod_id);
    return;
  }
  send_success(response, kStyle, "", "Pod successfully deleted.");
}

const std::set<std::string> kPermissionLevels = {"ADMIN", "USER", "READ"};

// Returns the pod's "user:LEVEL" list after `change` edits it, or an error status and message.
std::expected<json, std::pair<int, std::string>> change_pod_permissions(
    SimContext& context, const std::string& pod_id,
    const std::function<std::optional<std::string>(json& permissions)>& change) {
  return context.store.with_state(
      [&](SimState& state) -> std::expected<json, std::pair<int, std::string>> {
        auto pod = state.pods.find(pod_id);
        if (pod == state.pods.end()) {
          return std::unexpected(std::pair{404, "Pod " + pod_id + " not found."});
        }
        json& permissions = pod->second["permissions"];
        if (!permissions.is_array()) {
          permissions = json::array();
        }
        if (auto problem = change(permissions)) {
          return std::unexpected(std::pair{400, *problem});
        }
        return json{{"permissions", permissions}};
      });
}

void send_permissions(httplib::Response& response,
                      const std::expected<json, std::pair<int, std::string>>& result,
                      const std::string& message) {
  if (!result) {
    send_error(response, kStyle, result.error().first, result.error().second);
    return;
  }
  send_success(response, kStyle, *result, message);
}

// Removes every entry of `user` from a "user:LEVEL" list.
void remove_user(json& permissions, const std::string& user) {
  json kept = json::array();
  for (const json& entry : permissions) {
    std::string text = entry.is_string() ? entry.get<std::string>() : "";
    if (text.substr(0, text.rfind(':')) != user) {
      kept.push_back(entry);
    }
  }
  permissions = kept;
}

void get_pod_permissions(SimContext& context, const httplib::Request& request,
                         httplib::Response& response, const TokenClaims&) {
  auto result = change_pod_permissions(context, request.matches[1],
                                       [](json&) { return std::optional<std::string>(); });
  send_permissions(response, result, "Pod permissions retrieved successfully.");
}

// Sets one user's level from a SetPermission body {user, level}, replacing any earlier level.
void set_pod_permission(SimContext& context, const httplib::Request& request,
                        httplib::Response& response, const TokenClaims&) {
  auto body = parse_json_object(request);
  auto user = body ? string_field(*body, "user") : std::nullopt;
  auto level = body ? string_field(*body, "level") : std::nullopt;
  if (!user || !level || !kPermissionLevels.contains(*level)) {
    send_error(response, kStyle, 400,
               "expected a JSON object {user, level} with level ADMIN, USER or READ");
    return;
  }
  auto result = change_pod_permissions(context, request.matches[1], [&](json& permissions) {
    remove_user(permissions, *user);
    permissions.push_back(*user + ":" + *level);
    return std::optional<std::string>();
  });
  send_permissions(response, result, "Pod permissions updated successfully.");
}

// Removes a user's level; the last ADMIN cannot be removed, as in Pods.
void delete_pod_permission(SimContext& context, const httplib::Request& request,
                           httplib::Response& response, const TokenClaims&) {
  std::string user = request.matches[2];
  auto result = change_pod_permissions(
      context, request.matches[1], [&](json& permissions) -> std::optional<std::string> {
        json kept = permissions;
        remove_user(kept, user);
        if (kept.size() == permissions.size()) {
          return "user " + user + " has no permission on this pod";
        }
        bool admin_left = std::ranges::any_of(kept, [](const json& entry) {
          return entry.is_string() && entry.get<std::string>().ends_with(":ADMIN");
        });
        if (!admin_left) {
          return "cannot remove the last ADMIN of a pod";
        }
        permissions = kept;
        return std::nullopt;
      });
  send_permissions(response, result, "Pod permission deleted successfully.");
}

}  // namespace

void add_pods_routes(httplib::Server& server, SimContext& context) {
  server.Get("/v3/pods", with_token(context, kStyle, list_pods));
  server.Post("/v3/pods", with_token(context, kStyle, create_pod));
  server.Get(R"(/v3/pods/([^/]+))", with_token(context, kStyle, get_pod));
  server.Get(R"(/v3/pods/([^/]+)/logs)", with_token(context, kStyle, get_pod_logs));
  server.Delete(R"(/v3/pods/([^/]+))", with_token(context, kStyle, delete_pod));
  server.Get(R"(/v3/pods/([^/]+)/permissions)", with_token(context, kStyle, get_pod_permissions));
  server.Post(R"(/v3/pods/([^/]+)/permissions)", with_token(context, kStyle, set_pod_permission));
  server.Delete(R"(/v3/pods/([^/]+)/permissions/([^/]+))",
                with_token(context, kStyle, delete_pod_permission));
}

}  // namespace probe::sim
