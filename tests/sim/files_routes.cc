// Files (/v3/files): probes, and the file operations on the systems' stored files: list, mkdir,
// upload, move, copy, delete and content. Transfers and PostIts have their own files.

#include <functional>
#include <vector>

#include "file_tree.h"
#include "request_auth.h"
#include "request_parsing.h"
#include "routes.h"
#include "zip_archive.h"

namespace probe::sim {
namespace {

using nlohmann::json;

constexpr EnvelopeStyle kStyle = EnvelopeStyle::kJava;

// The system and normalized path a files route names.
struct FileTarget {
  std::string system_id;
  std::string path;
};

// Reads the system id from matches[1] and the path from matches[2]. Sends 400 and returns
// nullopt when the path climbs above the root.
std::optional<FileTarget> parse_target(const httplib::Request& request,
                                       httplib::Response& response) {
  std::string system_id = request.matches[1];
  std::string raw_path = request.matches.size() > 2 ? std::string(request.matches[2]) : "";
  auto path = normalize_path(raw_path);
  if (!path) {
    send_error(response, kStyle, 400,
               "FILES_INVALID_PATH path '" + raw_path + "' leaves the root directory of system '" +
                   system_id + "'");
    return std::nullopt;
  }
  return FileTarget{system_id, *path};
}

void send_system_not_found(httplib::Response& response, const std::string& system_id) {
  send_error(response, kStyle, 404, "FILES_SYSTEM_NOT_FOUND system not found: '" + system_id + "'");
}

void send_file_error(httplib::Response& response, const std::string& system_id,
                     const FileError& error) {
  send_error(response, kStyle, error.status,
             "FILES_OPERATION_FAILED on system '" + system_id + "': " + error.message);
}

enum class ListingError { kNoSystem, kNoPath };

// Lists a directory's entries, or a file as a one-entry list, as Tapis Files does.
std::expected<json, ListingError> list_path(SimState& state, const std::string& system_id,
                                            const std::string& path) {
  FileTree* tree = find_live_files(state, system_id);
  if (tree == nullptr) {
    return std::unexpected(ListingError::kNoSystem);
  }
  const FileNode* node = tree->find(path);
  if (node == nullptr) {
    return std::unexpected(ListingError::kNoPath);
  }
  if (!node->is_dir) {
    return json::array({make_file_info(system_id, path, *node)});
  }

  json listing = json::array();
  for (const auto& child : tree->children(path)) {
    listing.push_back(make_file_info(system_id, child, *tree->find(child)));
  }
  return listing;
}

void list_files(SimContext& context, const httplib::Request& request, httplib::Response& response,
                const TokenClaims&) {
  auto target = parse_target(request, response);
  if (!target) {
    return;
  }

  auto listing = context.store.with_state(
      [&](SimState& state) { return list_path(state, target->system_id, target->path); });
  if (!listing && listing.error() == ListingError::kNoSystem) {
    send_system_not_found(response, target->system_id);
    return;
  }
  if (!listing) {
    send_error(response, kStyle, 404,
               "FILES_NOT_FOUND path not found on system '" + target->system_id + "': '/" +
                   target->path + "'");
    return;
  }
  send_success(response, kStyle, *listing, "ok");
}

// Runs `operation` on the target system's files. Sends 404 when the system is unknown, the
// operation's error, or `success_message` with a string result, as Files does.
void run_file_operation(
    SimContext& context, const FileTarget& target, httplib::Response& response,
    const std::string& success_message,
    const std::function<std::expected<void, FileError>(FileTree&, SystemTime)>& operation) {
  std::optional<std::expected<void, FileError>> outcome = context.store.with_state(
      [&](SimState& state) -> std::optional<std::expected<void, FileError>> {
        FileTree* tree = find_live_files(state, target.system_id);
        if (tree == nullptr) {
          return std::nullopt;
        }
        return operation(*tree, std::chrono::system_clock::now());
      });
  if (!outcome) {
    send_system_not_found(response, target.system_id);
    return;
  }
  if (!*outcome) {
    send_file_error(response, target.system_id, outcome->error());
    return;
  }
  send_success(response, kStyle, "ok", success_message);
}

// MKDIR: POST /v3/files/ops/{systemId} with {"path": ...}. Creates missing parents too.
void make_directory(SimContext& context, const httplib::Request& request,
                    httplib::Response& response, const TokenClaims&) {
  auto body = parse_json_object(request);
  auto raw_path = body ? string_field(*body, "path") : std::nullopt;
  if (!raw_path) {
    send_error(response, kStyle, 400, "FILES_INVALID_BODY expected a JSON object with a path");
    return;
  }
  auto path = normalize_path(*raw_path);
  if (!path || path->empty()) {
    send_error(response, kStyle, 400,
               "FILES_INVALID_PATH path '" + *raw_path + "' is the root directory or leaves it");
    return;
  }
  FileTarget target{request.matches[1], *path};
  run_file_operation(context, target, response, "FILES_MKDIR_OK directory created: /" + *path,
                     [&](FileTree& tree, SystemTime now) { return tree.make_dirs(*path, now); });
}

// Upload: a multipart/form-data body whose part `file` contains the bytes, stored at {path}
// whatever the part's file name is.
void upload_file(SimContext& context, const httplib::Request& request, httplib::Response& response,
                 const TokenClaims&) {
  auto target = parse_target(request, response);
  if (!target) {
    return;
  }
  if (!request.is_multipart_form_data() || !request.has_file("file")) {
    send_error(response, kStyle, 400,
               "FILES_INVALID_BODY expected a multipart/form-data body with a part named file");
    return;
  }
  auto content = std::make_shared<const std::string>(request.get_file_value("file").content);
  run_file_operation(
      context, *target, response,
      "FILES_UPLOAD_OK file uploaded: /" + target->path + " (" + std::to_string(content->size()) +
          " bytes)",
      [&](FileTree& tree, SystemTime now) { return tree.write_file(target->path, content, now); });
}

// MOVE or COPY: PUT /v3/files/ops/{systemId}/{path} with {"operation", "newPath"}. newPath is
// relative to the root, with or without a leading slash.
void move_or_copy(SimContext& context, const httplib::Request& request, httplib::Response& response,
                  const TokenClaims&) {
  auto target = parse_target(request, response);
  if (!target) {
    return;
  }
  auto body = parse_json_object(request);
  auto operation = body ? string_field(*body, "operation") : std::nullopt;
  auto raw_new_path = body ? string_field(*body, "newPath") : std::nullopt;
  if (!operation || (*operation != "MOVE" && *operation != "COPY") || !raw_new_path) {
    send_error(response, kStyle, 400,
               "FILES_INVALID_BODY expected {\"operation\": \"MOVE\" or \"COPY\", "
               "\"newPath\": PATH}");
    return;
  }
  auto new_path = normalize_path(*raw_new_path);
  if (!new_path) {
    send_error(response, kStyle, 400,
               "FILES_INVALID_PATH newPath '" + *raw_new_path + "' leaves the root directory");
    return;
  }

  bool move = *operation == "MOVE";
  run_file_operation(context, *target, response,
                     "FILES_" + *operation + "_OK /" + target->path + " to /" + *new_path,
                     [&](FileTree& tree, SystemTime now) -> std::expected<void, FileError> {
                       auto done = move ? move_path(tree, target->path, *new_path, now)
                                        : copy_path(tree, target->path, tree, *new_path, now);
                       if (!done) {
                         return std::unexpected(done.error());
                       }
                       return {};
                     });
}

// Deletes a file, or a directory with everything in it.
void delete_path(SimContext& context, const httplib::Request& request, httplib::Response& response,
                 const TokenClaims&) {
  auto target = parse_target(request, response);
  if (!target) {
    return;
  }
  run_file_operation(context, *target, response, "FILES_DELETE_OK deleted: /" + target->path,
                     [&](FileTree& tree, SystemTime) { return tree.remove(target->path); });
}

// A file's bytes, or a directory's files, copied out of the store.
struct Content {
  bool is_dir = false;
  std::vector<std::pair<std::string, FileNode>> files;
};

// Returns a file's bytes as application/octet-stream. A directory, or a file with zip=true,
// comes as a ZIP archive; a directory without zip=true gets 400.
void get_content(SimContext& context, const httplib::Request& request, httplib::Response& response,
                 const TokenClaims&) {
  auto target = parse_target(request, response);
  if (!target) {
    return;
  }
  auto content =
      context.store.with_state([&](SimState& state) -> std::expected<Content, ListingError> {
        FileTree* tree = find_live_files(state, target->system_id);
        if (tree == nullptr) {
          return std::unexpected(ListingError::kNoSystem);
        }
        const FileNode* node = tree->find(target->path);
        if (node == nullptr) {
          return std::unexpected(ListingError::kNoPath);
        }
        return Content{node->is_dir, tree->files_below(target->path)};
      });
  if (!content && content.error() == ListingError::kNoSystem) {
    send_system_not_found(response, target->system_id);
    return;
  }
  if (!content) {
    send_error(response, kStyle, 404,
               "FILES_NOT_FOUND path not found on system '" + target->system_id + "': '/" +
                   target->path + "'");
    return;
  }

  bool zip = request.get_param_value("zip") == "true";
  if (content->is_dir && !zip) {
    send_error(response, kStyle, 400,
               "FILES_CONTENT_DIR '/" + target->path +
                   "' is a directory; pass zip=true to download it as a ZIP archive");
    return;
  }
  response.status = 200;
  if (!zip) {
    response.set_content(*content->files.front().second.content, "application/octet-stream");
    return;
  }
  std::vector<ZipEntry> entries;
  for (const auto& [relative, node] : content->files) {
    std::string name = relative.empty() ? base_name(target->path) : relative;
    entries.push_back({name, node.content, node.modified});
  }
  response.set_content(make_zip_archive(entries), "application/zip");
}
}  // namespace

void add_files_routes(httplib::Server& server, SimContext& context) {
  add_probe_route(server, "/v3/files/healthcheck", kStyle,
                  "TAPIS_HEALTHY Files service is healthy.", json::object());
  add_probe_route(server, "/v3/files/readycheck", kStyle, "TAPIS_READY Files service is ready.",
                  json::object());

  // Matches /v3/files/ops/{systemId}, .../{systemId}/ and .../{systemId}/{path}.
  server.Get(R"(/v3/files/ops/([^/]+)/?(.*))", with_token(context, kStyle, list_files));
  server.Post(R"(/v3/files/ops/([^/]+)/?)", with_token(context, kStyle, make_directory));
  server.Post(R"(/v3/files/ops/([^/]+)/(.+))", with_token(context, kStyle, upload_file));
  server.Put(R"(/v3/files/ops/([^/]+)/(.+))", with_token(context, kStyle, move_or_copy));
  server.Delete(R"(/v3/files/ops/([^/]+)/(.+))", with_token(context, kStyle, delete_path));
  server.Get(R"(/v3/files/content/([^/]+)/?(.*))", with_token(context, kStyle, get_content));

  add_files_transfers_routes(server, context);
  add_files_postits_routes(server, context);
}

}  // namespace probe::sim
