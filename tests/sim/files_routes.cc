// Files (/v3/files): probes, directory listings of stored systems, and PostIts.

#include <sstream>
#include <vector>

#include "request_auth.h"
#include "routes.h"

namespace probe::sim {
namespace {

using nlohmann::json;

constexpr EnvelopeStyle kStyle = EnvelopeStyle::kJava;

// Resolves "." and ".." and repeated slashes into a path relative to the system root
// ("" is the root). Returns nullopt when ".." climbs above the root.
std::optional<std::string> normalize_path(const std::string& path) {
  std::vector<std::string> parts;
  std::istringstream stream(path);
  std::string part;
  while (std::getline(stream, part, '/')) {
    if (part.empty() || part == ".") {
      continue;
    }
    if (part == "..") {
      if (parts.empty()) {
        return std::nullopt;
      }
      parts.pop_back();
      continue;
    }
    parts.push_back(part);
  }

  std::string normalized;
  for (const auto& segment : parts) {
    normalized += normalized.empty() ? segment : "/" + segment;
  }
  return normalized;
}

std::string parent_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash);
}

enum class ListingError { kNoSystem, kNoPath };

// Lists a directory's entries, or a file as a one-entry list, as Tapis Files does.
std::expected<json, ListingError> list_path(const SimState& state, const std::string& system_id,
                                            const std::string& path) {
  if (!state.systems.contains(system_id)) {
    return std::unexpected(ListingError::kNoSystem);
  }
  auto files = state.files.find(system_id);
  static const RecordTable kNoFiles;
  const RecordTable& table = files == state.files.end() ? kNoFiles : files->second;

  if (!path.empty()) {
    auto entry = table.find(path);
    if (entry == table.end()) {
      return std::unexpected(ListingError::kNoPath);
    }
    if (entry->second.value("type", "") != "dir") {
      return json::array({entry->second});
    }
  }

  json listing = json::array();
  for (const auto& [entry_path, info] : table) {
    if (parent_of(entry_path) == path) {
      listing.push_back(info);
    }
  }
  return listing;
}

void list_files(SimContext& context, const httplib::Request& request, httplib::Response& response,
                const TokenClaims&) {
  std::string system_id = request.matches[1];
  auto path = normalize_path(request.matches[2]);
  if (!path) {
    send_error(response, kStyle, 400,
               "FILES_INVALID_PATH path '" + std::string(request.matches[2]) +
                   "' leaves the root directory of system '" + system_id + "'");
    return;
  }

  auto listing =
      context.store.with_state([&](SimState& state) { return list_path(state, system_id, *path); });
  if (!listing && listing.error() == ListingError::kNoSystem) {
    send_error(response, kStyle, 404,
               "FILES_SYSTEM_NOT_FOUND system not found: '" + system_id + "'");
    return;
  }
  if (!listing) {
    send_error(response, kStyle, 404,
               "FILES_NOT_FOUND path not found on system '" + system_id + "': '/" + *path + "'");
    return;
  }
  send_success(response, kStyle, *listing, "ok");
}

void list_postits(SimContext& context, const httplib::Request&, httplib::Response& response,
                  const TokenClaims& claims) {
  const std::string id = "b6a1c0de-5e3d-4c2b-9a7f-2f1e0d9c8b7a-010";
  json postit = {
      {"postitId", id},
      {"systemId", "sim-storage"},
      {"owner", claims.username},
      {"tenantId", claims.tenant_id},
      {"path", "data/input.txt"},
      {"allowedUses", 1},
      {"timesUsed", 0},
      {"jwtUser", claims.username},
      {"jwtTenantId", claims.tenant_id},
      {"redeemUrl", context.config.base_url + "/v3/files/postits/redeem/" + id},
      {"expiration", "2035-01-15T10:00:00.000Z"},
      {"created", "2025-01-15T10:00:00.000Z"},
      {"updated", "2025-01-15T10:00:00.000Z"},
  };
  send_success(response, kStyle, json::array({postit}), "ok");
}

}  // namespace

void add_files_routes(httplib::Server& server, SimContext& context) {
  add_probe_route(server, "/v3/files/healthcheck", kStyle,
                  "TAPIS_HEALTHY Files service is healthy.", json::object());
  add_probe_route(server, "/v3/files/readycheck", kStyle, "TAPIS_READY Files service is ready.",
                  json::object());

  // Matches /v3/files/ops/{systemId}, .../{systemId}/ and .../{systemId}/{path}.
  server.Get(R"(/v3/files/ops/([^/]+)/?(.*))", with_token(context, kStyle, list_files));
  server.Get("/v3/files/postits", with_token(context, kStyle, list_postits));
}

}  // namespace probe::sim
