#include "transfer_tasks.h"

#include "random_ids.h"

namespace probe::sim {
namespace {

using nlohmann::json;

constexpr std::string_view kScheme = "tapis://";
constexpr const char* kStallTag = "stall";

struct TapisUri {
  std::string system_id;
  std::string path;
};

std::expected<TapisUri, std::string> parse_tapis_uri(const json& value) {
  std::string text = value.is_string() ? value.get<std::string>() : "";
  if (!text.starts_with(kScheme)) {
    return std::unexpected("invalid URI '" + text + "': expected tapis://SYSTEM/PATH");
  }
  std::string rest = text.substr(kScheme.size());
  auto slash = rest.find('/');
  std::string system_id = rest.substr(0, slash);
  auto path = normalize_path(slash == std::string::npos ? "" : rest.substr(slash));
  if (system_id.empty() || !path) {
    return std::unexpected("invalid URI '" + text +
                           "': expected tapis://SYSTEM/PATH with a path inside the system");
  }
  return TapisUri{system_id, *path};
}

json make_parent_task(const json& element, const TokenClaims& claims, std::size_t index,
                      const std::string& created) {
  return {
      {"tenantId", claims.tenant_id},
      {"username", claims.username},
      {"sourceURI", element["sourceURI"]},
      {"destinationURI", element["destinationURI"]},
      {"totalBytes", 0},
      {"bytesTransferred", 0},
      {"taskId", index + 1},
      {"children", json::array()},
      {"errorMessage", nullptr},
      {"uuid", random_uuid()},
      {"status", "ACCEPTED"},
      {"optional", element.value("optional", false)},
      {"created", created},
      {"startTime", nullptr},
      {"endTime", nullptr},
  };
}

// Sets the task and each parent task to `status`.
void set_status(json& task, const std::string& status) {
  task["status"] = status;
  for (auto& parent : task["parentTasks"]) {
    parent["status"] = status;
  }
}

bool fail(json& task, const std::string& message, const std::string& time) {
  set_status(task, "FAILED");
  task["errorMessage"] = message;
  task["endTime"] = time;
  return false;
}

// Checks that every source exists and records the sizes. Returns false when the task failed.
bool stage(SimState& state, json& task, const std::string& time) {
  std::int64_t total_bytes = 0;
  std::int64_t total_files = 0;
  for (auto& parent : task["parentTasks"]) {
    auto source = parse_tapis_uri(parent["sourceURI"]);
    FileTree* tree = source ? find_live_files(state, source->system_id) : nullptr;
    if (tree == nullptr || tree->find(source->path) == nullptr) {
      parent["errorMessage"] = "source not found: " + parent["sourceURI"].get<std::string>();
      return fail(task, "transfer failed: " + parent["errorMessage"].get<std::string>(), time);
    }
    std::int64_t bytes = 0;
    for (const auto& [relative, node] : tree->files_below(source->path)) {
      bytes += node.size();
      ++total_files;
    }
    parent["totalBytes"] = bytes;
    total_bytes += bytes;
  }
  task["estimatedTotalBytes"] = total_bytes;
  task["totalTransfers"] = total_files;
  set_status(task, "STAGED");
  return true;
}

// Copies every element's source to its destination. Returns false when the task failed.
bool complete(SimState& state, json& task, const std::string& time, SystemTime at) {
  for (auto& parent : task["parentTasks"]) {
    auto source = parse_tapis_uri(parent["sourceURI"]);
    auto destination = parse_tapis_uri(parent["destinationURI"]);
    FileTree* source_tree = source ? find_live_files(state, source->system_id) : nullptr;
    FileTree* target_tree = destination ? find_live_files(state, destination->system_id) : nullptr;
    if (source_tree == nullptr || target_tree == nullptr) {
      parent["errorMessage"] = "the source or destination system no longer exists";
      return fail(task, "transfer failed: " + parent["errorMessage"].get<std::string>(), time);
    }
    auto copied = copy_path(*source_tree, source->path, *target_tree, destination->path, at);
    if (!copied) {
      parent["errorMessage"] = copied.error().message;
      return fail(task, "transfer failed: " + copied.error().message, time);
    }
    parent["bytesTransferred"] = parent["totalBytes"];
    parent["endTime"] = time;
  }
  set_status(task, "COMPLETED");
  task["totalBytesTransferred"] = task["estimatedTotalBytes"];
  task["completeTransfers"] = task["totalTransfers"];
  task["endTime"] = time;
  return false;
}

bool apply_transfer_step(SimState& state, const std::string& uuid, const std::string& status,
                         SystemTime at) {
  auto found = state.transfers.find(uuid);
  if (found == state.transfers.end() || is_terminal_transfer_status(found->second["status"])) {
    return false;
  }
  json& task = found->second;
  std::string time = format_iso_utc_millis(at);
  if (status == "STAGED") {
    return stage(state, task, time);
  }
  if (status == "IN_PROGRESS") {
    set_status(task, status);
    task["startTime"] = time;
    for (auto& parent : task["parentTasks"]) {
      parent["startTime"] = time;
    }
    return true;
  }
  return complete(state, task, time, at);
}

}  // namespace

bool is_terminal_transfer_status(const std::string& status) {
  return status == "COMPLETED" || status == "FAILED" || status == "FAILED_OPT" ||
         status == "CANCELLED" || status == "PAUSED";
}

std::expected<json, FileError> create_transfer(SimState& state, const json& request,
                                               const TokenClaims& claims) {
  if (!request.contains("elements") || !request["elements"].is_array() ||
      request["elements"].empty()) {
    return std::unexpected(FileError{400,
                                     "missing elements: expected a non-empty list of {sourceURI, "
                                     "destinationURI}"});
  }
  std::string created = format_iso_utc_millis(std::chrono::system_clock::now());
  json parents = json::array();
  for (const auto& element : request["elements"]) {
    if (!element.is_object()) {
      return std::unexpected(FileError{400, "invalid element: expected an object"});
    }
    for (const char* key : {"sourceURI", "destinationURI"}) {
      auto uri = parse_tapis_uri(element.value(key, json()));
      if (!uri) {
        return std::unexpected(FileError{400, std::string(key) + ": " + uri.error()});
      }
      if (find_live_system(state, uri->system_id) == nullptr) {
        return std::unexpected(
            FileError{400, std::string(key) + ": system not found: '" + uri->system_id + "'"});
      }
    }
    parents.push_back(make_parent_task(element, claims, parents.size(), created));
  }

  std::string uuid = random_uuid();
  auto tag_field = request.find("tag");
  std::string tag =
      tag_field != request.end() && tag_field->is_string() ? tag_field->get<std::string>() : "";
  json task = {
      {"uuid", uuid},
      {"username", claims.username},
      {"tenantId", claims.tenant_id},
      {"tag", tag},
      {"status", "ACCEPTED"},
      {"parentTasks", parents},
      {"estimatedTotalBytes", 0},
      {"totalBytesTransferred", 0},
      {"totalTransfers", parents.size()},
      {"completeTransfers", 0},
      {"errorMessage", nullptr},
      {"created", created},
      {"startTime", nullptr},
      {"endTime", nullptr},
  };
  state.transfers[uuid] = task;

  std::vector<std::string> statuses = {"ACCEPTED", "STAGED", "IN_PROGRESS"};
  if (tag != kStallTag) {
    statuses.push_back("COMPLETED");
  }
  start_lifecycle(state, "transfer/" + uuid, one_step_per_tick(statuses),
                  [uuid](SimState& current, const std::string& status, SystemTime at) {
                    return apply_transfer_step(current, uuid, status, at);
                  });
  return task;
}

std::expected<json, FileError> cancel_transfer(SimState& state, const std::string& uuid) {
  auto found = state.transfers.find(uuid);
  if (found == state.transfers.end()) {
    return std::unexpected(FileError{404, "transfer task not found: '" + uuid + "'"});
  }
  json& task = found->second;
  if (is_terminal_transfer_status(task["status"])) {
    return std::unexpected(FileError{409, "transfer task '" + uuid +
                                              "' already ended with status " +
                                              task["status"].get<std::string>()});
  }
  set_status(task, "CANCELLED");
  task["endTime"] = format_iso_utc_millis(std::chrono::system_clock::now());
  cancel_lifecycles(state, "transfer/" + uuid);
  return task;
}

}  // namespace probe::sim
