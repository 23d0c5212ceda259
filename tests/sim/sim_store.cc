#include "sim_store.h"

namespace probe::sim {

using nlohmann::json;

json list_records(const RecordTable& table) {
  json list = json::array();
  for (const auto& [id, record] : table) {
    list.push_back(record);
  }
  return list;
}

std::optional<json> find_record(const RecordTable& table, const std::string& id) {
  auto found = table.find(id);
  if (found == table.end()) {
    return std::nullopt;
  }
  return found->second;
}

}  // namespace probe::sim
