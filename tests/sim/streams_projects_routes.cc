// Streams projects (/v3/streams/projects/...): list, create, get and delete projects, their
// sites, the sites' instruments and the instruments' variables. Deleting a resource deletes
// everything below it.

#include "request_auth.h"
#include "request_parsing.h"
#include "routes.h"

namespace probe::sim {
namespace {

using nlohmann::json;

constexpr EnvelopeStyle kStyle = EnvelopeStyle::kPython;

// One level of the Streams hierarchy.
struct StreamsLevel {
  const char* segment;  // the path segment of its collection
  const char* id_key;   // the record field that contains its id
  const char* noun;
  std::vector<std::string> required;  // required fields of the New* schema
};

const std::vector<StreamsLevel> kLevels = {
    {"projects", "project_id", "project", {"project_name", "owner", "pi"}},
    {"sites",
     "site_id",
     "site",
     {"site_name", "site_id", "latitude", "longitude", "elevation", "description"}},
    {"instruments", "inst_id", "instrument", {"inst_name", "inst_id", "inst_description"}},
    {"variables", "var_id", "variable", {"var_id", "var_name"}},
};

// Formats `time` as Streams does: 2025-01-15 10:00:00.000000.
std::string format_streams_time(SystemTime time) {
  std::string text = format_iso_utc_millis(time);
  text[10] = ' ';
  return text.substr(0, text.size() - 1) + "000";
}

// The collection a request names, found by walking the ids in matches[1..level].
struct Collection {
  std::map<std::string, StreamsNode>* children = nullptr;
  const StreamsNode* parent = nullptr;  // null for the project list
};

std::expected<Collection, std::string> find_collection(SimState& state,
                                                       const httplib::Request& request,
                                                       std::size_t level) {
  Collection collection{&state.streams, nullptr};
  for (std::size_t i = 0; i < level; ++i) {
    std::string id = request.matches[i + 1];
    auto found = collection.children->find(id);
    if (found == collection.children->end()) {
      return std::unexpected(std::string(kLevels[i].noun) + " not found: '" + id + "'");
    }
    collection = {&found->second.children, &found->second};
  }
  return collection;
}

// Returns the id of a new resource: project_name for projects, else the level's id field.
std::expected<std::string, std::string> new_id(const json& item, std::size_t level) {
  for (const auto& key : kLevels[level].required) {
    if (!item.contains(key) || item[key].is_null()) {
      return std::unexpected("missing " + key + ": a " + kLevels[level].noun + " needs " + key);
    }
  }
  auto id = string_field(item, level == 0 ? "project_name" : kLevels[level].id_key);
  if (!id || id->find('/') != std::string::npos) {
    return std::unexpected(std::string("invalid ") + kLevels[level].id_key +
                           ": expected a non-empty string without /");
  }
  return *id;
}

json make_record(SimState& state, const json& item, const std::string& id, std::size_t level,
                 const StreamsNode* parent, const TokenClaims& claims) {
  std::string now = format_streams_time(std::chrono::system_clock::now());
  json record = item;
  record[kLevels[level].id_key] = id;
  record["owner"] = level == 0 ? item.value("owner", claims.username) : claims.username;
  record["created_at"] = now;
  record["last_updated"] = now;
  if (level == 0) {
    record["active"] = item.value("active", true);
    record["bucket"] = "sim-bucket";
    record["metadata"] = item.value("metadata", json::object());
    return record;
  }

  const json& parent_record = parent->record;
  record["chords_id"] = state.next_chords_id++;
  if (level == 1) {
    record["project_id"] = parent_record["project_id"];
  } else if (level == 2) {
    record["site_id"] = parent_record["site_id"];
    record["site_chords_id"] = parent_record["chords_id"];
    record["tags"] = item.value("tags", json::array());
  } else {
    record["inst_id"] = parent_record["inst_id"];
    record["inst_chords_id"] = parent_record["chords_id"];
    record["shortname"] = item.value("shortname", id);
  }
  record["metadata"] = item.value("metadata", json::object());
  return record;
}

// Stores every item, or none when one is invalid or exists already.
std::expected<json, std::pair<int, std::string>> create_in_state(SimState& state,
                                                                 const httplib::Request& request,
                                                                 std::size_t level,
                                                                 const std::vector<json>& items,
                                                                 const TokenClaims& claims) {
  auto collection = find_collection(state, request, level);
  if (!collection) {
    return std::unexpected(std::pair{404, collection.error()});
  }
  std::vector<std::string> ids;
  for (const auto& item : items) {
    auto id = new_id(item, level);
    if (!id) {
      return std::unexpected(std::pair{400, id.error()});
    }
    if (collection->children->contains(*id) || std::ranges::find(ids, *id) != ids.end()) {
      return std::unexpected(
          std::pair{400, std::string(kLevels[level].noun) + " '" + *id + "' already exists"});
    }
    ids.push_back(*id);
  }

  json created = json::array();
  for (std::size_t i = 0; i < items.size(); ++i) {
    json record = make_record(state, items[i], ids[i], level, collection->parent, claims);
    (*collection->children)[ids[i]].record = record;
    created.push_back(record);
  }
  return created;
}

// Creates one resource from an object body, or several from a list body, and returns an
// object or a list to match. Streams returns 200, although its OpenAPI document says 201.
void create_resources(SimContext& context, const httplib::Request& request,
                      httplib::Response& response, const TokenClaims& claims, std::size_t level) {
  json body = json::parse(request.body, nullptr, false);
  bool is_list = body.is_array();
  std::vector<json> items = is_list ? body.get<std::vector<json>>() : std::vector<json>{body};
  if (items.empty() ||
      !std::ranges::all_of(items, [](const json& item) { return item.is_object(); })) {
    send_error(response, kStyle, 400,
               std::string("invalid body: expected a ") + kLevels[level].noun +
                   " object or a non-empty list of them");
    return;
  }

  auto created = context.store.with_state(
      [&](SimState& state) { return create_in_state(state, request, level, items, claims); });
  if (!created) {
    send_error(response, kStyle, created.error().first, created.error().second);
    return;
  }
  send_success(response, kStyle, is_list ? *created : (*created)[0],
               std::string(kLevels[level].noun) + " created");
}

void list_resources(SimContext& context, const httplib::Request& request,
                    httplib::Response& response, std::size_t level) {
  auto records = context.store.with_state([&](SimState& state) -> std::expected<json, std::string> {
    auto collection = find_collection(state, request, level);
    if (!collection) {
      return std::unexpected(collection.error());
    }
    json list = json::array();
    for (const auto& [id, node] : *collection->children) {
      list.push_back(node.record);
    }
    return list;
  });
  if (!records) {
    send_error(response, kStyle, 404, records.error());
    return;
  }
  send_success(response, kStyle, *records, std::string(kLevels[level].segment) + " found");
}

// Returns the record, and with `erase` deletes the resource and everything below it.
std::expected<json, std::string> find_resource(SimState& state, const httplib::Request& request,
                                               std::size_t level, bool erase) {
  auto collection = find_collection(state, request, level);
  if (!collection) {
    return std::unexpected(collection.error());
  }
  std::string id = request.matches[level + 1];
  auto found = collection->children->find(id);
  if (found == collection->children->end()) {
    return std::unexpected(std::string(kLevels[level].noun) + " not found: '" + id + "'");
  }
  json record = found->second.record;
  if (erase) {
    collection->children->erase(found);
  }
  return record;
}

void get_resource(SimContext& context, const httplib::Request& request, httplib::Response& response,
                  std::size_t level) {
  auto record = context.store.with_state(
      [&](SimState& state) { return find_resource(state, request, level, false); });
  if (!record) {
    send_error(response, kStyle, 404, record.error());
    return;
  }
  send_success(response, kStyle, *record, std::string(kLevels[level].noun) + " found");
}

// Deletes the resource and returns its record with "tapis_deleted": true, as Streams does.
void delete_resource(SimContext& context, const httplib::Request& request,
                     httplib::Response& response, std::size_t level) {
  auto record = context.store.with_state(
      [&](SimState& state) { return find_resource(state, request, level, true); });
  if (!record) {
    send_error(response, kStyle, 404, record.error());
    return;
  }
  (*record)["tapis_deleted"] = true;
  send_success(response, kStyle, *record, std::string(kLevels[level].noun) + " deleted");
}

// Returns the path pattern of the collection at `level`, with one capture per parent id.
std::string collection_pattern(std::size_t level) {
  std::string pattern = "/v3/streams";
  for (std::size_t i = 0; i < level; ++i) {
    pattern += std::string("/") + kLevels[i].segment + "/([^/]+)";
  }
  return pattern + "/" + kLevels[level].segment;
}

}  // namespace

void add_streams_projects_routes(httplib::Server& server, SimContext& context) {
  for (std::size_t level = 0; level < kLevels.size(); ++level) {
    std::string collection = collection_pattern(level);
    std::string item = collection + "/([^/]+)";
    server.Get(collection, with_token(context, kStyle,
                                      [level](SimContext& sim, const httplib::Request& request,
                                              httplib::Response& response, const TokenClaims&) {
                                        list_resources(sim, request, response, level);
                                      }));
    server.Post(collection,
                with_token(context, kStyle,
                           [level](SimContext& sim, const httplib::Request& request,
                                   httplib::Response& response, const TokenClaims& claims) {
                             create_resources(sim, request, response, claims, level);
                           }));
    server.Get(item, with_token(context, kStyle,
                                [level](SimContext& sim, const httplib::Request& request,
                                        httplib::Response& response, const TokenClaims&) {
                                  get_resource(sim, request, response, level);
                                }));
    server.Delete(item, with_token(context, kStyle,
                                   [level](SimContext& sim, const httplib::Request& request,
                                           httplib::Response& response, const TokenClaims&) {
                                     delete_resource(sim, request, response, level);
                                   }));
  }
}

}  // namespace probe::sim
