// Files PostIts (/v3/files/postits): create, list, get, delete, and redeem without a token.

#include "file_tree.h"
#include "random_ids.h"
#include "request_auth.h"
#include "request_parsing.h"
#include "routes.h"
#include "zip_archive.h"

namespace probe::sim {
namespace {

using nlohmann::json;

constexpr EnvelopeStyle kStyle = EnvelopeStyle::kJava;

// Defaults of CreatePostItRequest: one use, valid for 30 days.
constexpr std::int64_t kDefaultAllowedUses = 1;
constexpr std::int64_t kDefaultValidSeconds = 30LL * 24 * 3600;
constexpr std::int64_t kMaxValidSeconds = 10LL * 365 * 24 * 3600;

std::expected<std::int64_t, std::string> integer_field(const json& body, const std::string& key,
                                                       std::int64_t fallback) {
  if (!body.contains(key) || body[key].is_null()) {
    return fallback;
  }
  if (!body[key].is_number_integer()) {
    return std::unexpected("invalid " + key + ": expected an integer");
  }
  return body[key].get<std::int64_t>();
}

json make_postit(const SimContext& context, const TokenClaims& claims, const std::string& system_id,
                 const std::string& path, std::int64_t allowed_uses, std::int64_t valid_seconds) {
  std::string id = random_uuid() + "-010";
  auto now = std::chrono::system_clock::now();
  std::string created = format_iso_utc_millis(now);
  return {
      {"postitId", id},
      {"systemId", system_id},
      {"owner", claims.username},
      {"tenantId", claims.tenant_id},
      {"path", path},
      {"allowedUses", allowed_uses},
      {"timesUsed", 0},
      {"jwtUser", claims.username},
      {"jwtTenantId", claims.tenant_id},
      {"redeemUrl", context.config.base_url + "/v3/files/postits/redeem/" + id},
      {"expiration", format_iso_utc_millis(now + std::chrono::seconds(valid_seconds))},
      {"created", created},
      {"updated", created},
  };
}

// Creates a PostIt for an existing file or directory. The body is optional:
// {"allowedUses": N (-1 for unlimited), "validSeconds": N}.
void create_postit(SimContext& context, const httplib::Request& request,
                   httplib::Response& response, const TokenClaims& claims) {
  std::string system_id = request.matches[1];
  auto path = normalize_path(request.matches[2]);
  auto body =
      request.body.empty() ? std::optional<json>(json::object()) : parse_json_object(request);
  if (!path || !body) {
    send_error(response, kStyle, 400,
               "FILES_POSTIT_INVALID expected a path inside the system and a JSON object body");
    return;
  }
  auto allowed_uses = integer_field(*body, "allowedUses", kDefaultAllowedUses);
  auto valid_seconds = integer_field(*body, "validSeconds", kDefaultValidSeconds);
  std::string problem = !allowed_uses    ? allowed_uses.error()
                        : !valid_seconds ? valid_seconds.error()
                                         : "";
  if (problem.empty() && (*allowed_uses == 0 || *allowed_uses < -1)) {
    problem = "invalid allowedUses: expected -1 (unlimited) or a positive count";
  }
  if (problem.empty() && (*valid_seconds < 1 || *valid_seconds > kMaxValidSeconds)) {
    problem = "invalid validSeconds: expected 1 to " + std::to_string(kMaxValidSeconds);
  }
  if (!problem.empty()) {
    send_error(response, kStyle, 400, "FILES_POSTIT_INVALID " + problem);
    return;
  }

  json postit = make_postit(context, claims, system_id, *path, *allowed_uses, *valid_seconds);
  bool created = context.store.with_state([&](SimState& state) {
    FileTree* tree = find_live_files(state, system_id);
    if (tree == nullptr || tree->find(*path) == nullptr) {
      return false;
    }
    state.postits[postit["postitId"]] = postit;
    return true;
  });
  if (!created) {
    send_error(response, kStyle, 404,
               "FILES_NOT_FOUND no path '/" + *path + "' on system '" + system_id + "'");
    return;
  }
  send_success(response, kStyle, postit, "FILES_POSTIT_CREATED PostIt created");
}

void list_postits(SimContext& context, const httplib::Request&, httplib::Response& response,
                  const TokenClaims&) {
  json postits =
      context.store.with_state([](SimState& state) { return list_records(state.postits); });
  send_success(response, kStyle, postits, "ok", 200, list_metadata(postits.size()));
}

void send_not_found(httplib::Response& response, const std::string& id) {
  send_error(response, kStyle, 404, "FILES_POSTIT_NOT_FOUND PostIt not found: '" + id + "'");
}

void get_postit(SimContext& context, const httplib::Request& request, httplib::Response& response,
                const TokenClaims&) {
  std::string id = request.matches[1];
  auto postit =
      context.store.with_state([&](SimState& state) { return find_record(state.postits, id); });
  if (!postit) {
    send_not_found(response, id);
    return;
  }
  send_success(response, kStyle, *postit, "ok");
}

void delete_postit(SimContext& context, const httplib::Request& request,
                   httplib::Response& response, const TokenClaims&) {
  std::string id = request.matches[1];
  bool erased =
      context.store.with_state([&](SimState& state) { return state.postits.erase(id) > 0; });
  if (!erased) {
    send_not_found(response, id);
    return;
  }
  send_success(response, kStyle, json{{"changes", 1}}, "FILES_POSTIT_DELETED PostIt deleted");
}

// The outcome of redeeming: the files to send, or the error status and message.
struct Redemption {
  int status = 200;
  std::string message;
  bool is_dir = false;
  std::string name;
  std::vector<std::pair<std::string, FileNode>> files;
};

Redemption failed_redemption(int status, std::string message) {
  Redemption redemption;
  redemption.status = status;
  redemption.message = std::move(message);
  return redemption;
}

// Uses up one redemption when the PostIt is valid and its path still exists.
Redemption redeem_in_state(SimState& state, const std::string& id) {
  auto found = state.postits.find(id);
  if (found == state.postits.end()) {
    return failed_redemption(404, "FILES_POSTIT_NOT_FOUND PostIt not found: '" + id + "'");
  }
  json& postit = found->second;
  std::int64_t allowed = postit["allowedUses"];
  std::int64_t used = postit["timesUsed"];
  if (allowed != -1 && used >= allowed) {
    return failed_redemption(403, "FILES_POSTIT_USED_UP PostIt " + id + " has been redeemed " +
                                      std::to_string(used) + " of " + std::to_string(allowed) +
                                      " allowed times");
  }
  std::string now = format_iso_utc_millis(std::chrono::system_clock::now());
  // Both times have the fixed-width form 2025-01-15T10:00:00.000Z, so text order is time order.
  if (now >= postit["expiration"].get<std::string>()) {
    return failed_redemption(403, "FILES_POSTIT_EXPIRED PostIt " + id + " expired at " +
                                      postit["expiration"].get<std::string>());
  }

  std::string path = postit["path"];
  FileTree* tree = find_live_files(state, postit["systemId"]);
  const FileNode* node = tree == nullptr ? nullptr : tree->find(path);
  if (node == nullptr) {
    return failed_redemption(404,
                             "FILES_NOT_FOUND the PostIt's path '/" + path + "' no longer exists");
  }
  postit["timesUsed"] = used + 1;
  postit["updated"] = now;
  return {200, "", node->is_dir, base_name(path), tree->files_below(path)};
}

// Sends the file's bytes, or a directory as a ZIP archive. Needs no token.
void redeem_postit(SimContext& context, const httplib::Request& request,
                   httplib::Response& response) {
  std::string id = request.matches[1];
  Redemption redemption =
      context.store.with_state([&](SimState& state) { return redeem_in_state(state, id); });
  if (redemption.status != 200) {
    send_error(response, kStyle, redemption.status, redemption.message);
    return;
  }

  bool zip = redemption.is_dir || request.get_param_value("zip") == "true";
  std::string name = redemption.name.empty() ? "root" : redemption.name;
  std::string disposition = request.get_param_value("download") == "true" ? "attachment" : "inline";
  response.set_header("Content-Disposition",
                      disposition + "; filename=\"" + name + (zip ? ".zip" : "") + "\"");
  response.status = 200;
  if (!zip) {
    response.set_content(*redemption.files.front().second.content, "application/octet-stream");
    return;
  }
  std::vector<ZipEntry> entries;
  for (const auto& [relative, node] : redemption.files) {
    entries.push_back({relative.empty() ? name : relative, node.content, node.modified});
  }
  response.set_content(make_zip_archive(entries), "application/zip");
}

}  // namespace

void add_files_postits_routes(httplib::Server& server, SimContext& context) {
  server.Get("/v3/files/postits", with_token(context, kStyle, list_postits));
  server.Get(R"(/v3/files/postits/redeem/([^/]+))", without_token(context, redeem_postit));
  server.Get(R"(/v3/files/postits/([^/]+))", with_token(context, kStyle, get_postit));
  server.Delete(R"(/v3/files/postits/([^/]+))", with_token(context, kStyle, delete_postit));
  server.Post(R"(/v3/files/postits/([^/]+)/(.+))", with_token(context, kStyle, create_postit));
}

}  // namespace probe::sim
