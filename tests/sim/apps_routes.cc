// Apps (/v3/apps): probes, list with search, get (latest or one version), create, and the
// enable, disable, delete and undelete changes.

#include <algorithm>

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

// Returns the versions of an app unless it is unknown or deleted. Deleting applies to every
// version, so the first version shows whether the app is deleted.
const RecordTable* find_live_app(const SimState& state, const std::string& id) {
  auto found = state.apps.find(id);
  if (found == state.apps.end() || found->second.empty() ||
      found->second.begin()->second.value("deleted", false)) {
    return nullptr;
  }
  return &found->second;
}

void list_apps(SimContext& context, const httplib::Request& request, httplib::Response& response,
               const TokenClaims&) {
  json apps = context.store.with_state([](SimState& state) {
    json list = json::array();
    for (const auto& [id, versions] : state.apps) {
      if (find_live_app(state, id) != nullptr) {
        list.push_back(versions.rbegin()->second);
      }
    }
    return list;
  });
  auto page = apply_list_query(std::move(apps), request);
  if (!page) {
    send_error(response, kStyle, 400, "APPAPI_LIST_ERROR " + page.error());
    return;
  }
  send_success(response, kStyle, page->records,
               "TAPIS_FOUND Apps found: " + std::to_string(page->records.size()), 200,
               page->metadata);
}

// Returns the latest version of an app.
// NOTE: "latest" is the greatest version string in lexical order, so 0.10 sorts before 0.9.
void get_app(SimContext& context, const httplib::Request& request, httplib::Response& response,
             const TokenClaims&) {
  std::string id = request.matches[1];
  auto app = context.store.with_state([&](SimState& state) -> std::optional<json> {
    const RecordTable* versions = find_live_app(state, id);
    if (versions == nullptr) {
      return std::nullopt;
    }
    return versions->rbegin()->second;
  });
  if (!app) {
    send_error(response, kStyle, 404, "APPAPI_NOT_FOUND App not found: '" + id + "'");
    return;
  }
  send_success(response, kStyle, *app, "TAPIS_FOUND App found: " + id);
}

void get_app_version(SimContext& context, const httplib::Request& request,
                     httplib::Response& response, const TokenClaims&) {
  std::string id = request.matches[1];
  std::string version = request.matches[2];
  auto app = context.store.with_state([&](SimState& state) -> std::optional<json> {
    const RecordTable* versions = find_live_app(state, id);
    return versions == nullptr ? std::nullopt : find_record(*versions, version);
  });
  if (!app) {
    send_error(response, kStyle, 404,
               "APPAPI_NOT_FOUND App not found: '" + id + "' version '" + version + "'");
    return;
  }
  send_success(response, kStyle, *app, "TAPIS_FOUND App found: " + id + " " + version);
}

std::optional<std::string> check_choice(const json& body, const std::string& key,
                                        const std::vector<std::string>& choices) {
  if (!body.contains(key) || body[key].is_null()) {
    return std::nullopt;
  }
  auto value = string_field(body, key);
  if (!value || std::ranges::find(choices, *value) == choices.end()) {
    std::string list;
    for (const auto& choice : choices) {
      list += (list.empty() ? "" : ", ") + choice;
    }
    return "invalid " + key + ": expected one of " + list;
  }
  return std::nullopt;
}

// Checks the fields that ReqPostApp requires and the choices it restricts. Returns a message
// for the 400 response.
std::optional<std::string> check_new_app(const json& body) {
  auto id = string_field(body, "id");
  if (!id || !is_valid_tapis_id(*id)) {
    return "missing or invalid id: expected 1 to 80 letters, digits or . _ ~ -, starting with a "
           "letter or digit";
  }
  if (!string_field(body, "version")) {
    return "missing version";
  }
  if (!string_field(body, "containerImage")) {
    return "missing containerImage";
  }
  if (auto problem = check_choice(body, "jobType", {"FORK", "BATCH"})) {
    return problem;
  }
  if (auto problem = check_choice(body, "runtime", {"DOCKER", "SINGULARITY", "ZIP"})) {
    return problem;
  }
  if (body.contains("jobAttributes") && !body["jobAttributes"].is_object()) {
    return "invalid jobAttributes: expected an object";
  }
  return std::nullopt;
}

json default_job_attributes() {
  return {
      {"description", nullptr},
      {"dynamicExecSystem", false},
      {"execSystemConstraints", json::array()},
      {"execSystemId", nullptr},
      {"execSystemExecDir", "${JobWorkingDir}/jobs/${JobUUID}"},
      {"execSystemInputDir", "${JobWorkingDir}/jobs/${JobUUID}"},
      {"execSystemOutputDir", "${JobWorkingDir}/jobs/${JobUUID}/output"},
      {"execSystemLogicalQueue", nullptr},
      {"archiveSystemId", nullptr},
      {"archiveSystemDir",
       "HOST_EVAL($HOME)/tapis-jobs-archive/${JobCreateDate}/${JobName}-${JobUUID}"},
      {"archiveOnAppError", true},
      {"isMpi", false},
      {"mpiCmd", nullptr},
      {"cmdPrefix", nullptr},
      {"parameterSet", json::object()},
      {"fileInputs", json::array()},
      {"fileInputArrays", json::array()},
      {"nodeCount", 1},
      {"coresPerNode", 1},
      {"memoryMB", 100},
      {"maxMinutes", 10},
      {"subscriptions", json::array()},
      {"tags", json::array()},
  };
}

// Builds a TapisApp record from the request, keeping the fields that TapisApp has.
json make_app(const json& body, const TokenClaims& claims) {
  std::string now = format_iso_utc_millis(std::chrono::system_clock::now());
  json app = {
      {"tenant", claims.tenant_id},
      {"description", nullptr},
      {"owner", claims.username},
      {"enabled", true},
      {"versionEnabled", true},
      {"locked", false},
      {"isPublic", false},
      {"sharedWithUsers", json::array()},
      {"runtime", "DOCKER"},
      {"runtimeVersion", nullptr},
      {"runtimeOptions", json::array()},
      {"jobType", "FORK"},
      {"maxJobs", -1},
      {"maxJobsPerUser", -1},
      {"strictFileInputs", false},
      {"tags", json::array()},
      {"notes", json::object()},
      {"sharedAppCtx", nullptr},
  };

  for (const auto& [key, value] : body.items()) {
    if (app.contains(key) && key != "tenant") {
      app[key] = value;
    }
  }

  json attributes = default_job_attributes();
  json requested_attributes = body.value("jobAttributes", json::object());
  for (const auto& [key, value] : requested_attributes.items()) {
    attributes[key] = value;
  }

  app["id"] = body["id"];
  app["version"] = body["version"];
  app["containerImage"] = body["containerImage"];
  app["jobAttributes"] = attributes;
  app["uuid"] = random_uuid();
  app["deleted"] = false;
  app["created"] = now;
  app["updated"] = now;
  return app;
}

enum class CreateOutcome { kCreated, kExists, kNoExecSystem };

CreateOutcome store_app(SimState& state, const json& app) {
  std::string id = app["id"];
  std::string version = app["version"];
  auto versions = state.apps.find(id);
  if (versions != state.apps.end() &&
      (versions->second.contains(version) || find_live_app(state, id) == nullptr)) {
    return CreateOutcome::kExists;
  }
  const json& exec_system_id = app["jobAttributes"]["execSystemId"];
  if (exec_system_id.is_string() && find_live_system(state, exec_system_id) == nullptr) {
    return CreateOutcome::kNoExecSystem;
  }
  state.apps[id][version] = app;
  state.created_apps.insert(id);
  return CreateOutcome::kCreated;
}

void create_app(SimContext& context, const httplib::Request& request, httplib::Response& response,
                const TokenClaims& claims) {
  auto body = parse_json_object(request);
  if (!body) {
    send_error(response, kStyle, 400, "APPAPI_JSON_ERROR invalid body: expected a JSON object");
    return;
  }
  if (auto problem = check_new_app(*body)) {
    send_error(response, kStyle, 400, "APPAPI_CREATE_ERROR " + *problem);
    return;
  }

  json app = make_app(*body, claims);
  std::string id = app["id"];
  std::string version = app["version"];
  auto outcome = context.store.with_state([&](SimState& state) { return store_app(state, app); });
  json result = {{"url", context.config.base_url + "/v3/apps/" + id + "/" + version}};
  if (outcome == CreateOutcome::kExists) {
    send_json(response, 409,
              make_envelope(kStyle, false,
                            "APPAPI_APP_EXISTS App already exists: " + id + " " + version +
                                " (a deleted app keeps its id)",
                            result));
    return;
  }
  if (outcome == CreateOutcome::kNoExecSystem) {
    send_error(response, kStyle, 400,
               "APPAPI_SYS_NOT_FOUND execution system not found: '" +
                   app["jobAttributes"]["execSystemId"].get<std::string>() + "'");
    return;
  }
  send_success(response, kStyle, result, "APPAPI_CREATED App created: " + id + " " + version, 201);
}

// Sets `field` to `value` on the given versions (all when `version` is empty). Returns 1 when
// any version changed and 0 otherwise, or nullopt when the app or version is unknown.
std::optional<int> set_app_field(SimState& state, const std::string& id, const std::string& version,
                                 const std::string& field, bool value) {
  auto found = state.apps.find(id);
  bool undeleting = field == "deleted" && !value;
  if (found == state.apps.end() || (!undeleting && find_live_app(state, id) == nullptr)) {
    return std::nullopt;
  }
  if (!version.empty() && !found->second.contains(version)) {
    return std::nullopt;
  }

  int changes = 0;
  std::string now = format_iso_utc_millis(std::chrono::system_clock::now());
  for (auto& [app_version, app] : found->second) {
    if ((version.empty() || app_version == version) && app[field] != value) {
      app[field] = value;
      app["updated"] = now;
      changes = 1;
    }
  }
  return changes;
}

void post_app_change(SimContext& context, const httplib::Request& request,
                     httplib::Response& response, const TokenClaims&) {
  std::string id = request.matches[1];
  std::string version = request.matches.size() > 3 ? std::string(request.matches[2]) : "";
  std::string action = request.matches[request.matches.size() - 1];

  std::string field = "enabled";
  if (!version.empty()) {
    field = "versionEnabled";
  } else if (action == "delete" || action == "undelete") {
    field = "deleted";
  }
  bool value = action == "enable" || action == "delete";

  auto changes = context.store.with_state(
      [&](SimState& state) { return set_app_field(state, id, version, field, value); });
  if (!changes) {
    send_error(response, kStyle, 404, "APPAPI_NOT_FOUND App not found: '" + id + "'");
    return;
  }
  send_success(response, kStyle, json{{"changes", *changes}},
               "TAPIS_UPDATED App " + action + " applied to " + id + ": " +
                   std::to_string(*changes) + " change(s)");
}

void get_app_enabled(SimContext& context, const httplib::Request& request,
                     httplib::Response& response, const TokenClaims&) {
  std::string id = request.matches[1];
  auto enabled = context.store.with_state([&](SimState& state) -> std::optional<bool> {
    const RecordTable* versions = find_live_app(state, id);
    if (versions == nullptr) {
      return std::nullopt;
    }
    return versions->rbegin()->second.value("enabled", true);
  });
  if (!enabled) {
    send_error(response, kStyle, 404, "APPAPI_NOT_FOUND App not found: '" + id + "'");
    return;
  }
  send_success(response, kStyle, json{{"aBool", *enabled}}, "TAPIS_FOUND App found: " + id);
}

}  // namespace

void add_apps_routes(httplib::Server& server, SimContext& context) {
  add_probe_route(server, "/v3/apps/healthcheck", kStyle, "TAPIS_HEALTHY Apps service is healthy.",
                  json::object());
  add_probe_route(server, "/v3/apps/readycheck", kStyle, "TAPIS_READY Apps service is ready.",
                  json::object());

  server.Get("/v3/apps", with_token(context, kStyle, list_apps));
  server.Post("/v3/apps", with_token(context, kStyle, create_app));
  server.Get(R"(/v3/apps/([^/]+))", with_token(context, kStyle, get_app));
  server.Get(R"(/v3/apps/([^/]+)/isEnabled)", with_token(context, kStyle, get_app_enabled));
  server.Get(R"(/v3/apps/([^/]+)/([^/]+))", with_token(context, kStyle, get_app_version));
  server.Post(R"(/v3/apps/([^/]+)/(enable|disable|delete|undelete))",
              with_token(context, kStyle, post_app_change));
  server.Post(R"(/v3/apps/([^/]+)/([^/]+)/(enable|disable))",
              with_token(context, kStyle, post_app_change));
}

}  // namespace probe::sim
