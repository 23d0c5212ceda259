// Workflows (/v3/workflows): probe, groups, group users, pipelines and identities.

#include "request_auth.h"
#include "routes.h"

namespace probe::sim {
namespace {

using nlohmann::json;

constexpr EnvelopeStyle kStyle = EnvelopeStyle::kPython;
constexpr const char* kGroupId = "smoke-group";

json make_group_user(const std::string& username) {
  return {{"group", kGroupId},
          {"username", username},
          {"is_admin", true},
          {"uuid", "0f8fad5b-d9cb-469f-a165-70867728950e"}};
}

json make_group(const SimContext& context, bool with_users) {
  json group = {{"id", kGroupId},
                {"owner", context.config.user.username},
                {"tenant_id", context.config.tenant},
                {"uuid", "7c9e6679-7425-40de-944b-e07fc1f90ae7"}};
  if (with_users) {
    group["users"] = json::array({make_group_user(context.config.user.username)});
  }
  return group;
}

json make_pipeline(const SimContext& context) {
  return {
      {"id", "sim-pipeline"},
      {"description", "Pipeline served by tapis-sim"},
      {"uses", nullptr},
      {"env", json::object()},
      {"enabled", true},
      {"params", json::object()},
      {"group", "7c9e6679-7425-40de-944b-e07fc1f90ae7"},
      {"owner", context.config.user.username},
      {"uuid", "16fd2706-8baf-433b-82eb-8c7fada847da"},
      {"execution_profile",
       {{"max_exec_time", 3600}, {"max_retries", 0}, {"invocation_mode", "async"}}},
      {"current_run", nullptr},
      {"last_run", nullptr},
      {"tasks", json::array()},
  };
}

json make_identity(const SimContext& context) {
  return {
      {"type", "github"},
      {"name", "sim-identity"},
      {"description", "Identity served by tapis-sim"},
      {"owner", context.config.user.username},
      {"tenant_id", context.config.tenant},
      {"uuid", "886313e1-3b8a-5372-9b90-0c9aee199e5d"},
      {"credentials", nullptr},
  };
}

// Sends 404 unless the {group_id} in the path is the known group.
bool require_known_group(const httplib::Request& request, httplib::Response& response) {
  std::string group_id = request.matches[1];
  if (group_id != kGroupId) {
    send_error(response, kStyle, 404, "Group with id '" + group_id + "' not found");
    return false;
  }
  return true;
}

void list_groups(SimContext& context, const httplib::Request&, httplib::Response& response,
                 const TokenClaims&) {
  send_success(response, kStyle, json::array({make_group(context, false)}), "Success");
}

void get_group(SimContext& context, const httplib::Request& request, httplib::Response& response,
               const TokenClaims&) {
  if (require_known_group(request, response)) {
    send_success(response, kStyle, make_group(context, true), "Success");
  }
}

void list_group_users(SimContext& context, const httplib::Request& request,
                      httplib::Response& response, const TokenClaims&) {
  if (require_known_group(request, response)) {
    json users = json::array({make_group_user(context.config.user.username)});
    send_success(response, kStyle, users, "Success");
  }
}

void list_pipelines(SimContext& context, const httplib::Request& request,
                    httplib::Response& response, const TokenClaims&) {
  if (require_known_group(request, response)) {
    send_success(response, kStyle, json::array({make_pipeline(context)}), "Success");
  }
}

void list_identities(SimContext& context, const httplib::Request&, httplib::Response& response,
                     const TokenClaims&) {
  send_success(response, kStyle, json::array({make_identity(context)}), "Success");
}

}  // namespace

void add_workflows_routes(httplib::Server& server, SimContext& context) {
  add_probe_route(server, "/v3/workflows/healthcheck", kStyle, "Success", json::object());

  server.Get("/v3/workflows/groups", with_token(context, kStyle, list_groups));
  server.Get(R"(/v3/workflows/groups/([^/]+)/users)",
             with_token(context, kStyle, list_group_users));
  server.Get(R"(/v3/workflows/groups/([^/]+)/pipelines)",
             with_token(context, kStyle, list_pipelines));
  server.Get(R"(/v3/workflows/groups/([^/]+))", with_token(context, kStyle, get_group));
  server.Get("/v3/workflows/identities", with_token(context, kStyle, list_identities));
}

}  // namespace probe::sim
