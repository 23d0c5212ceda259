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

const json* find_live_system(const SimState& state, const std::string& id) {
  auto found = state.systems.find(id);
  if (found == state.systems.end() || found->second.value("deleted", false)) {
    return nullptr;
  }
  return &found->second;
}

FileTree* find_live_files(SimState& state, const std::string& system_id) {
  if (find_live_system(state, system_id) == nullptr) {
    return nullptr;
  }
  return &state.files[system_id];
}

}  // namespace probe::sim
