#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "sim_config.h"

namespace probe::sim {

using RecordTable = std::map<std::string, nlohmann::json>;

// Resources of the simulated tenant that requests can change, stored as the JSON records the
// services return. Stateful features (CRUD, job and transfer lifecycles) add their tables here.
struct SimState {
  RecordTable actors;                       // by actor id
  RecordTable systems;                      // by system id
  std::map<std::string, RecordTable> apps;  // by app id, then version
  RecordTable jobs;                         // by job uuid
  RecordTable pods;                         // by pod id

  // FileInfo records by system id, then by path relative to the system's root ("data/in.txt").
  std::map<std::string, RecordTable> files;

  // Count of readiness and health probes served, reported as checkNum.
  std::int64_t probe_count = 0;
};

// Builds the records the simulator starts with: system sim-storage and its files, app sim-app
// version 0.1, one actor, two finished jobs and one pod, all owned by the configured user.
SimState make_seed_state(const SimConfig& config);

// Returns the records of `table` as a JSON array, ordered by id.
nlohmann::json list_records(const RecordTable& table);

// Returns a copy of the record stored under `id`, or nullopt.
std::optional<nlohmann::json> find_record(const RecordTable& table, const std::string& id);

// The shared state behind one mutex, since cpp-httplib serves requests on a thread pool.
class SimStore {
 public:
  explicit SimStore(SimState initial) : state_(std::move(initial)) {}

  // Runs `function` with exclusive access to the state and returns its result.
  template <typename Function>
  auto with_state(Function&& function) {
    std::lock_guard lock(mutex_);
    return function(state_);
  }

 private:
  std::mutex mutex_;
  SimState state_;
};

}  // namespace probe::sim
