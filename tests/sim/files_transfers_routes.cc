// Files transfers (/v3/files/transfers): create, list, get, details and cancel transfer tasks.

#include <algorithm>

#include "request_auth.h"
#include "request_parsing.h"
#include "routes.h"
#include "transfer_tasks.h"

namespace probe::sim {
namespace {

using nlohmann::json;

constexpr EnvelopeStyle kStyle = EnvelopeStyle::kJava;

void create_task(SimContext& context, const httplib::Request& request, httplib::Response& response,
                 const TokenClaims& claims) {
  auto body = parse_json_object(request);
  if (!body) {
    send_error(response, kStyle, 400, "FILES_INVALID_BODY expected a JSON object with elements");
    return;
  }
  auto task = context.store.with_state(
      [&](SimState& state) { return create_transfer(state, *body, claims); });
  if (!task) {
    send_error(response, kStyle, task.error().status, "FILES_TXFR_ERROR " + task.error().message);
    return;
  }
  send_success(response, kStyle, *task, "FILES_TXFR_CREATED transfer task created");
}

// Lists the tasks, newest first.
void list_tasks(SimContext& context, const httplib::Request&, httplib::Response& response,
                const TokenClaims&) {
  json tasks =
      context.store.with_state([](SimState& state) { return list_records(state.transfers); });
  std::stable_sort(tasks.begin(), tasks.end(), [](const json& left, const json& right) {
    return left["created"].get<std::string>() > right["created"].get<std::string>();
  });
  send_success(response, kStyle, tasks, "ok");
}

// Returns the task. The details route returns the same record, whose parentTasks are always
// filled.
void get_task(SimContext& context, const httplib::Request& request, httplib::Response& response,
              const TokenClaims&) {
  std::string uuid = request.matches[1];
  auto task =
      context.store.with_state([&](SimState& state) { return find_record(state.transfers, uuid); });
  if (!task) {
    send_error(response, kStyle, 404,
               "FILES_TXFR_NOT_FOUND transfer task not found: '" + uuid + "'");
    return;
  }
  send_success(response, kStyle, *task, "ok");
}

void cancel_task(SimContext& context, const httplib::Request& request, httplib::Response& response,
                 const TokenClaims&) {
  std::string uuid = request.matches[1];
  auto task =
      context.store.with_state([&](SimState& state) { return cancel_transfer(state, uuid); });
  if (!task) {
    send_error(response, kStyle, task.error().status, "FILES_TXFR_ERROR " + task.error().message);
    return;
  }
  send_success(response, kStyle, "ok", "FILES_TXFR_CANCELLED transfer task " + uuid + " cancelled");
}

}  // namespace

void add_files_transfers_routes(httplib::Server& server, SimContext& context) {
  server.Post("/v3/files/transfers", with_token(context, kStyle, create_task));
  server.Get("/v3/files/transfers", with_token(context, kStyle, list_tasks));
  server.Get(R"(/v3/files/transfers/([^/]+))", with_token(context, kStyle, get_task));
  server.Get(R"(/v3/files/transfers/([^/]+)/details)", with_token(context, kStyle, get_task));
  server.Delete(R"(/v3/files/transfers/([^/]+))", with_token(context, kStyle, cancel_task));
}

}  // namespace probe::sim
