#pragma once

#include <nlohmann/json.hpp>

#include "sim_store.h"

namespace probe::sim {

// Counts the live resources of each kind, for GET /_sim/state. End-to-end tests compare two
// summaries to check that a run's cleanup deleted what the run created.
nlohmann::json summarize_state(const SimState& state);

}  // namespace probe::sim
