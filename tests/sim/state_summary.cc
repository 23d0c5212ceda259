#include "state_summary.h"

namespace probe::sim {
namespace {

using nlohmann::json;

// Returns {"total": N, "by_status": {STATUS: N, ...}} for records with a "status" field.
json count_by_status(const RecordTable& table) {
  json by_status = json::object();
  for (const auto& [id, record] : table) {
    std::string status = record.value("status", "");
    by_status[status] = by_status.value(status, 0) + 1;
  }
  return {{"total", table.size()}, {"by_status", by_status}};
}

json count_systems(const SimState& state) {
  int live = 0;
  int created = 0;
  int deleted = 0;
  for (const auto& [id, system] : state.systems) {
    if (system.value("deleted", false)) {
      ++deleted;
      continue;
    }
    ++live;
    created += state.created_systems.contains(id) ? 1 : 0;
  }
  return {{"live", live}, {"created", created}, {"deleted", deleted}};
}

// Counts app ids, not versions, because deleting applies to every version of an app.
json count_apps(const SimState& state) {
  int live = 0;
  int created = 0;
  int deleted = 0;
  for (const auto& [id, versions] : state.apps) {
    if (versions.empty() || versions.begin()->second.value("deleted", false)) {
      ++deleted;
      continue;
    }
    ++live;
    created += state.created_apps.contains(id) ? 1 : 0;
  }
  return {{"live", live}, {"created", created}, {"deleted", deleted}};
}

json count_files(const SimState& state) {
  json files = json::object();
  for (const auto& [system_id, tree] : state.files) {
    if (find_live_system(state, system_id) == nullptr) {
      continue;
    }
    FileTreeCounts counts = tree.counts();
    files[system_id] = {{"files", counts.files}, {"dirs", counts.dirs}, {"bytes", counts.bytes}};
  }
  return files;
}

json count_executions(const SimState& state) {
  RecordTable all;
  for (const auto& [actor_id, executions] : state.executions) {
    all.insert(executions.begin(), executions.end());
  }
  return count_by_status(all);
}

json count_streams(const SimState& state) {
  int sites = 0;
  int instruments = 0;
  int variables = 0;
  for (const auto& [project_id, project] : state.streams) {
    for (const auto& [site_id, site] : project.children) {
      ++sites;
      for (const auto& [inst_id, instrument] : site.children) {
        ++instruments;
        variables += static_cast<int>(instrument.children.size());
      }
    }
  }
  return {{"projects", state.streams.size()},
          {"sites", sites},
          {"instruments", instruments},
          {"variables", variables}};
}

}  // namespace

json summarize_state(const SimState& state) {
  return {
      {"systems", count_systems(state)},
      {"apps", count_apps(state)},
      {"jobs", count_by_status(state.jobs)},
      {"files", count_files(state)},
      {"transfers", count_by_status(state.transfers)},
      {"postits", state.postits.size()},
      {"actors", count_by_status(state.actors)},
      {"executions", count_executions(state)},
      {"pods", count_by_status(state.pods)},
      {"streams", count_streams(state)},
      {"owners", state.owners.size()},
      {"pending_lifecycles", state.lifecycles.size()},
  };
}

}  // namespace probe::sim
