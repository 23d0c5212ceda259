#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "file_tree.h"
#include "lifecycle.h"
#include "sim_config.h"

namespace probe::sim {

using RecordTable = std::map<std::string, nlohmann::json>;

// The parts of a job that its Job record does not hold.
struct JobArtifacts {
  nlohmann::json history = nlohmann::json::array();  // JobHistoryDisplayDTO records, oldest first

  // Files in the job's output directory, by name.
  std::map<std::string, std::shared_ptr<const std::string>> outputs;
};

// A Streams resource and the resources below it: projects hold sites, sites hold instruments and
// instruments hold variables.
struct StreamsNode {
  nlohmann::json record;
  std::map<std::string, StreamsNode> children;  // by the child's id (site_id, inst_id, var_id)
};

// Resources of the simulated tenant that requests can change, mostly stored as the JSON records
// the services return.
struct SimState {
  RecordTable actors;   // by actor id
  RecordTable systems;  // by system id; deleted ones have "deleted": true
  // Permissions granted on systems: by system id, then user. Owners hold every permission
  // without an entry here.
  std::map<std::string, std::map<std::string, std::set<std::string>>> system_permissions;
  std::map<std::string, RecordTable> apps;  // by app id, then version
  RecordTable jobs;                         // by job uuid
  RecordTable pods;                         // by pod id

  // Files by system id. Every system that is not deleted has a tree.
  std::map<std::string, FileTree> files;

  // Ids of the systems and apps created through the API, as opposed to the seeded ones.
  std::set<std::string> created_systems;
  std::set<std::string> created_apps;

  std::map<std::string, JobArtifacts> job_artifacts;  // by job uuid
  RecordTable transfers;                              // TransferTask records by uuid
  RecordTable postits;                                // PostIt records by id
  std::map<std::string, RecordTable> executions;      // by actor id, then execution id
  std::map<std::string, std::string> execution_logs;  // by execution id
  RecordTable pod_logs;                               // LogsModel records by pod id
  std::map<std::string, StreamsNode> streams;         // projects by project_id
  std::int64_t next_chords_id = 1;                    // the next CHORDS id Streams assigns
  RecordTable owners;                                 // tenant owners by email

  // Pending status changes of jobs, transfers, actors, executions and pods.
  std::vector<Lifecycle> lifecycles;

  // Count of readiness and health probes served, reported as checkNum.
  std::int64_t probe_count = 0;
};

// Builds the records the simulator starts with: system sim-storage and its files, app sim-app
// version 0.1, one actor, two finished jobs, one pod, one PostIt, one Streams project and one
// tenant owner, all owned by the configured user.
SimState make_seed_state(const SimConfig& config);

// Returns the records of `table` as a JSON array, ordered by id.
nlohmann::json list_records(const RecordTable& table);

// Returns a copy of the record stored under `id`, or nullopt.
std::optional<nlohmann::json> find_record(const RecordTable& table, const std::string& id);

// Returns the system unless it is unknown or deleted.
const nlohmann::json* find_live_system(const SimState& state, const std::string& id);

// Returns the files of a system unless it is unknown or deleted.
FileTree* find_live_files(SimState& state, const std::string& system_id);

// The shared state behind one mutex, since cpp-httplib serves requests on a thread pool.
class SimStore {
 public:
  SimStore(SimState initial, std::chrono::microseconds pace)
      : state_(std::move(initial)), pace_(pace) {}

  // Brings every lifecycle up to the current time, then runs `function` with exclusive access
  // to the state and returns its result.
  template <typename Function>
  auto with_state(Function&& function) {
    std::lock_guard lock(mutex_);
    advance_lifecycles(state_, pace_, std::chrono::steady_clock::now());
    return function(state_);
  }

 private:
  std::mutex mutex_;
  SimState state_;
  const std::chrono::microseconds pace_;
};

}  // namespace probe::sim
