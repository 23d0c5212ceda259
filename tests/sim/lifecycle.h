#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "timestamps.h"

namespace probe::sim {

struct SimState;

using SteadyTime = std::chrono::steady_clock::time_point;

// One status of a lifecycle, entered `tick` pace intervals after the resource was created.
struct LifecycleStep {
  std::string status;
  int tick = 0;
};

// Writes one status into the resource's records. `at` is the time the step was due. Returns
// false when the resource is gone or has left its lifecycle (a cancelled job, a failed
// transfer), which ends the lifecycle. A StepFunction must not add or cancel lifecycles.
using StepFunction = std::function<bool(SimState& state, const std::string& status, SystemTime at)>;

// The scheduled status changes of one resource. Time is wall-clock time since creation, so
// a resource is in the same status however often, or rarely, clients poll it.
struct Lifecycle {
  // A path such as "job/UUID" or "actor/ID/execution/ID", which cancel_lifecycles() selects by.
  std::string key;

  // steps[0] is the status at creation, which the creator writes itself.
  std::vector<LifecycleStep> steps;
  std::size_t applied = 0;

  SystemTime created;
  SteadyTime started;
  StepFunction apply;
};

// Returns steps with one status per tick: statuses[i] is entered at tick i.
std::vector<LifecycleStep> one_step_per_tick(const std::vector<std::string>& statuses);

// Schedules the steps after steps[0], counting ticks from now.
void start_lifecycle(SimState& state, std::string key, std::vector<LifecycleStep> steps,
                     StepFunction apply);

// Applies, in order, every step whose time has come. A zero pace makes every step due at once.
void advance_lifecycles(SimState& state, std::chrono::microseconds pace, SteadyTime now);

// Drops the lifecycle with this key and those below it ("actor/ID" also drops
// "actor/ID/execution/ID"), so their remaining steps never run.
void cancel_lifecycles(SimState& state, const std::string& key);

}  // namespace probe::sim
