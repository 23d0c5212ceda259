// Systems (/v3/systems): probes, list with search, get, create, the enable, disable, delete
// and undelete changes, and user permissions.

#include <algorithm>
#include <set>

#include "list_query.h"
#include "random_ids.h"
#include "request_auth.h"
#include "request_parsing.h"
#include "resource_ids.h"
#include "routes.h"

namespace probe::sim {
namespace {

using nlohmann::json;

constexpr EnvelopeStyle kStyle = EnvelopeStyle::kJava;

void list_systems(SimContext& context, const httplib::Request& request, httplib::Response& response,
                  const TokenClaims&) {
  json systems = context.store.with_state([](SimState& state) {
    json list = json::array();
    for (const auto& [id, system] : state.systems) {
      if (!system.value("deleted", false)) {
        list.push_back(system);
      }
    }
    return list;
  });
  auto page = apply_list_query(std::move(systems), request);
  if (!page) {
    send_error(response, kStyle, 400, "SYSAPI_LIST_ERROR " + page.error());
    return;
  }
  send_success(response, kStyle, page->records,
               "TAPIS_FOUND Systems found: " + std::to_string(page->records.size()), 200,
               page->metadata);
}

void get_system(SimContext& context, const httplib::Request& request, httplib::Response& response,
                const TokenClaims&) {
  std::string id = request.matches[1];
  auto system = context.store.with_state([&](SimState& state) -> std::optional<json> {
    const json* found = find_live_system(state, id);
    return found == nullptr ? std::nullopt : std::optional<json>(*found);
  });
  if (!system) {
    send_error(response, kStyle, 404, "SYSAPI_NOT_FOUND System not found: '" + id + "'");
    return;
  }
  send_success(response, kStyle, *system, "TAPIS_FOUND System found: " + id);
}

// Checks the fields that ReqPostSystem requires, and rootDir, which LINUX systems need.
std::optional<std::string> check_new_system(const json& body) {
  auto id = string_field(body, "id");
  if (!id || !is_valid_tapis_id(*id)) {
    return "missing or invalid id: expected 1 to 80 letters, digits or . _ ~ -, starting with a "
           "letter or digit";
  }
  auto type = string_field(body, "systemType");
  static const std::vector<std::string> kTypes = {"LINUX", "S3", "IRODS", "GLOBUS"};
  if (!type || std::ranges::find(kTypes, *type) == kTypes.end()) {
    return "missing or invalid systemType: expected LINUX, S3, IRODS or GLOBUS";
  }
  if (!string_field(body, "host")) {
    return "missing host";
  }
  auto authn = string_field(body, "defaultAuthnMethod");
  static const std::vector<std::string> kMethods = {"PASSWORD", "PKI_KEYS", "ACCESS_KEY", "TOKEN",
                                                    "CERT"};
  if (!authn || std::ranges::find(kMethods, *authn) == kMethods.end()) {
    return "missing or invalid defaultAuthnMethod: expected PASSWORD, PKI_KEYS, ACCESS_KEY, TOKEN "
           "or CERT";
  }
  if (!body.contains("canExec") || !body["canExec"].is_boolean()) {
    return "missing or invalid canExec: expected true or false";
  }
  if (*type == "LINUX" && !string_field(body, "rootDir")) {
    return "missing rootDir: a LINUX system needs one";
  }
  return std::nullopt;
}

// Builds a TapisSystem record from the request. Unknown request fields are dropped, and the
// credential is never stored, as Systems returns authnCredential only on request.
json make_system(const json& body, const TokenClaims& claims) {
  std::string now = format_iso_utc_millis(std::chrono::system_clock::now());
  json system = {
      {"tenant", claims.tenant_id},
      {"description", nullptr},
      {"owner", claims.username},
      {"enabled", true},
      {"effectiveUserId", "${apiUserId}"},
      {"authnCredential", nullptr},
      {"bucketName", nullptr},
      {"rootDir", nullptr},
      {"port", -1},
      {"useProxy", false},
      {"proxyHost", nullptr},
      {"proxyPort", -1},
      {"dtnSystemId", nullptr},
      {"isPublic", false},
      {"isDynamicEffectiveUser", false},
      {"canRunBatch", false},
      {"enableCmdPrefix", false},
      {"allowChildren", false},
      {"parentId", nullptr},
      {"mpiCmd", nullptr},
      {"jobRuntimes", json::array()},
      {"jobWorkingDir", nullptr},
      {"jobEnvVariables", json::array()},
      {"jobMaxJobs", -1},
      {"jobMaxJobsPerUser", -1},
      {"batchScheduler", nullptr},
      {"batchLogicalQueues", json::array()},
      {"batchDefaultLogicalQueue", nullptr},
      {"batchSchedulerProfile", nullptr},
      {"sharedWithUsers", json::array()},
      {"jobCapabilities", json::array()},
      {"tags", json::array()},
      {"notes", json::object()},
  };
  for (const auto& [key, value] : body.items()) {
    if (system.contains(key) && key != "tenant" && key != "authnCredential") {
      system[key] = value;
    }
  }
  for (const char* key : {"id", "systemType", "host", "defaultAuthnMethod", "canExec"}) {
    system[key] = body[key];
  }
  system["isDynamicEffectiveUser"] = system["effectiveUserId"] == "${apiUserId}";
  system["uuid"] = random_uuid();
  system["deleted"] = false;
  system["created"] = now;
  system["updated"] = now;
  return system;
}

void create_system(SimContext& context, const httplib::Request& request,
                   httplib::Response& response, const TokenClaims& claims) {
  auto body = parse_json_object(request);
  if (!body) {
    send_error(response, kStyle, 400, "SYSAPI_JSON_ERROR invalid body: expected a JSON object");
    return;
  }
  if (auto problem = check_new_system(*body)) {
    send_error(response, kStyle, 400, "SYSAPI_CREATE_ERROR " + *problem);
    return;
  }

  json system = make_system(*body, claims);
  std::string id = system["id"];
  bool created = context.store.with_state([&](SimState& state) {
    if (state.systems.contains(id)) {
      return false;
    }
    state.systems[id] = system;
    state.created_systems.insert(id);
    state.files[id] = FileTree{};
    return true;
  });

  json result = {{"url", context.config.base_url + "/v3/systems/" + id}};
  if (!created) {
    // Systems returns 409 with a RespResourceUrl, also for a soft-deleted system.
    send_json(
        response, 409,
        make_envelope(kStyle, false, "SYSAPI_SYS_EXISTS System already exists: " + id, result));
    return;
  }
  send_success(response, kStyle, result, "SYSAPI_CREATED System created: " + id, 201);
}

// Applies enable, disable, delete or undelete. Returns the change count, or nullopt when the
// system is unknown (or, except for undelete, deleted).
std::optional<int> change_system(SimState& state, const std::string& id,
                                 const std::string& action) {
  auto found = state.systems.find(id);
  if (found == state.systems.end()) {
    return std::nullopt;
  }
  json& system = found->second;
  bool deleted = system.value("deleted", false);
  if (action == "undelete") {
    system["deleted"] = false;
    return deleted ? 1 : 0;
  }
  if (deleted) {
    return std::nullopt;
  }

  const char* field = action == "delete" ? "deleted" : "enabled";
  bool new_value = action != "disable";
  if (system[field] == new_value) {
    return 0;
  }
  system[field] = new_value;
  system["updated"] = format_iso_utc_millis(std::chrono::system_clock::now());
  return 1;
}

void post_system_change(SimContext& context, const httplib::Request& request,
                        httplib::Response& response, const TokenClaims&) {
  std::string id = request.matches[1];
  std::string action = request.matches[2];
  auto changes =
      context.store.with_state([&](SimState& state) { return change_system(state, id, action); });
  if (!changes) {
    send_error(response, kStyle, 404, "SYSAPI_NOT_FOUND System not found: '" + id + "'");
    return;
  }
  send_success(response, kStyle, json{{"changes", *changes}},
               "TAPIS_UPDATED System " + action + " applied to " + id + ": " +
                   std::to_string(*changes) + " change(s)");
}

void get_system_enabled(SimContext& context, const httplib::Request& request,
                        httplib::Response& response, const TokenClaims&) {
  std::string id = request.matches[1];
  auto enabled = context.store.with_state([&](SimState& state) -> std::optional<bool> {
    const json* system = find_live_system(state, id);
    return system == nullptr ? std::nullopt : std::optional<bool>(system->value("enabled", true));
  });
  if (!enabled) {
    send_error(response, kStyle, 404, "SYSAPI_NOT_FOUND System not found: '" + id + "'");
    return;
  }
  send_success(response, kStyle, json{{"aBool", *enabled}}, "TAPIS_FOUND System found: " + id);
}

const std::set<std::string> kPermissions = {"READ", "MODIFY", "EXECUTE"};

// The permissions of a ReqPerms body {permissions: [...]}, or nullopt when it is invalid.
std::optional<std::set<std::string>> requested_permissions(const httplib::Request& request) {
  auto body = parse_json_object(request);
  if (!body || !body->contains("permissions") || !(*body)["permissions"].is_array() ||
      (*body)["permissions"].empty()) {
    return std::nullopt;
  }
  std::set<std::string> names;
  for (const json& name : (*body)["permissions"]) {
    if (!name.is_string() || !kPermissions.contains(name.get<std::string>())) {
      return std::nullopt;
    }
    names.insert(name.get<std::string>());
  }
  return names;
}

// Grants (`grant` true) or revokes `names` for the user, then returns the user's permissions;
// nullopt when the system is unknown or deleted. With no names, only reads them.
std::optional<json> change_permissions(SimContext& context, const std::string& id,
                                       const std::string& user, const std::set<std::string>& names,
                                       bool grant) {
  return context.store.with_state([&](SimState& state) -> std::optional<json> {
    const json* system = find_live_system(state, id);
    if (system == nullptr) {
      return std::nullopt;
    }
    std::set<std::string>& held = state.system_permissions[id][user];
    for (const std::string& name : names) {
      if (grant) {
        held.insert(name);
      } else {
        held.erase(name);
      }
    }
    std::set<std::string> all = held;
    if (system->value("owner", "") == user) {
      all = kPermissions;
    }
    return json{{"names", json(std::vector<std::string>(all.begin(), all.end()))}};
  });
}

void get_user_permissions(SimContext& context, const httplib::Request& request,
                          httplib::Response& response, const TokenClaims&) {
  std::string id = request.matches[1];
  auto names = change_permissions(context, id, request.matches[2], {}, true);
  if (!names) {
    send_error(response, kStyle, 404, "SYSAPI_NOT_FOUND System not found: '" + id + "'");
    return;
  }
  send_success(response, kStyle, *names, "TAPIS_FOUND Permissions found for system " + id);
}

void post_user_permissions(SimContext& context, const httplib::Request& request,
                           httplib::Response& response, bool grant) {
  std::string id = request.matches[1];
  std::string user = request.matches[2];
  auto names = requested_permissions(request);
  if (!names) {
    send_error(response, kStyle, 400,
               "SYSAPI_PERMS_INVALID expected {\"permissions\": [...]} with READ, MODIFY or "
               "EXECUTE");
    return;
  }
  if (!change_permissions(context, id, user, *names, grant)) {
    send_error(response, kStyle, 404, "SYSAPI_NOT_FOUND System not found: '" + id + "'");
    return;
  }
  send_success(response, kStyle, nullptr,
               std::string(grant ? "SYSAPI_PERMS_GRANTED" : "SYSAPI_PERMS_REVOKED") +
                   " Permissions " + (grant ? "granted to " : "revoked from ") + user +
                   " on system " + id);
}

}  // namespace

void add_systems_routes(httplib::Server& server, SimContext& context) {
  add_probe_route(server, "/v3/systems/healthcheck", kStyle,
                  "TAPIS_HEALTHY Systems service is healthy.", json::object());
  add_probe_route(server, "/v3/systems/readycheck", kStyle, "TAPIS_READY Systems service is ready.",
                  json::object());

  server.Get("/v3/systems", with_token(context, kStyle, list_systems));
  server.Post("/v3/systems", with_token(context, kStyle, create_system));
  server.Get(R"(/v3/systems/([^/]+))", with_token(context, kStyle, get_system));
  server.Get(R"(/v3/systems/([^/]+)/isEnabled)", with_token(context, kStyle, get_system_enabled));
  server.Post(R"(/v3/systems/([^/]+)/(enable|disable|delete|undelete))",
              with_token(context, kStyle, post_system_change));
  server.Get(R"(/v3/systems/perms/([^/]+)/user/([^/]+))",
             with_token(context, kStyle, get_user_permissions));
  server.Post(
      R"(/v3/systems/perms/([^/]+)/user/([^/]+))",
      with_token(context, kStyle,
                 [](SimContext& sim, const httplib::Request& request, httplib::Response& response,
                    const TokenClaims&) { post_user_permissions(sim, request, response, true); }));
  server.Post(
      R"(/v3/systems/perms/([^/]+)/user/([^/]+)/revoke)",
      with_token(context, kStyle,
                 [](SimContext& sim, const httplib::Request& request, httplib::Response& response,
                    const TokenClaims&) { post_user_permissions(sim, request, response, false); }));
}

}  // namespace probe::sim
