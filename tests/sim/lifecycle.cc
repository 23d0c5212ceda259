#include "lifecycle.h"

#include <algorithm>
#include <limits>

#include "sim_store.h"

namespace probe::sim {
namespace {

// Returns how many whole ticks have passed since `started`.
std::int64_t elapsed_ticks(SteadyTime started, std::chrono::microseconds pace, SteadyTime now) {
  if (pace.count() == 0) {
    return std::numeric_limits<std::int64_t>::max();
  }
  auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(now - started);
  return elapsed.count() / pace.count();
}

// Applies the due steps of one lifecycle. Returns false once the lifecycle has ended.
bool advance_one(SimState& state, Lifecycle& lifecycle, std::chrono::microseconds pace,
                 SteadyTime now) {
  std::int64_t ticks = elapsed_ticks(lifecycle.started, pace, now);
  while (lifecycle.applied + 1 < lifecycle.steps.size()) {
    const LifecycleStep& next = lifecycle.steps[lifecycle.applied + 1];
    if (next.tick > ticks) {
      return true;
    }
    auto due =
        lifecycle.created + std::chrono::duration_cast<SystemTime::duration>(pace * next.tick);
    ++lifecycle.applied;
    if (!lifecycle.apply(state, next.status, due)) {
      return false;
    }
  }
  return false;
}

}  // namespace

std::vector<LifecycleStep> one_step_per_tick(const std::vector<std::string>& statuses) {
  std::vector<LifecycleStep> steps;
  for (std::size_t i = 0; i < statuses.size(); ++i) {
    steps.push_back({statuses[i], static_cast<int>(i)});
  }
  return steps;
}

void start_lifecycle(SimState& state, std::string key, std::vector<LifecycleStep> steps,
                     StepFunction apply) {
  Lifecycle lifecycle;
  lifecycle.key = std::move(key);
  lifecycle.steps = std::move(steps);
  lifecycle.created = std::chrono::system_clock::now();
  lifecycle.started = std::chrono::steady_clock::now();
  lifecycle.apply = std::move(apply);
  state.lifecycles.push_back(std::move(lifecycle));
}

void advance_lifecycles(SimState& state, std::chrono::microseconds pace, SteadyTime now) {
  // Step functions receive the whole state, so the list is moved out while they run.
  std::vector<Lifecycle> active = std::move(state.lifecycles);
  state.lifecycles.clear();

  std::vector<Lifecycle> remaining;
  for (auto& lifecycle : active) {
    if (advance_one(state, lifecycle, pace, now)) {
      remaining.push_back(std::move(lifecycle));
    }
  }
  state.lifecycles = std::move(remaining);
}

void cancel_lifecycles(SimState& state, const std::string& key) {
  std::erase_if(state.lifecycles, [&](const Lifecycle& lifecycle) {
    return lifecycle.key == key || lifecycle.key.starts_with(key + "/");
  });
}

}  // namespace probe::sim
