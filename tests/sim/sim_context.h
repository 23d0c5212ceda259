#pragma once

#include "faults.h"
#include "request_log.h"
#include "sim_config.h"
#include "sim_store.h"
#include "stop_signal.h"
#include "token_store.h"

namespace probe::sim {

// Everything a route handler may read or change. Every member is safe to use from the server's
// worker threads: `config` is read-only and the others lock internally.
struct SimContext {
  explicit SimContext(SimConfig settings)
      : config(std::move(settings)), store(make_seed_state(config), config.pace) {}

  const SimConfig config;
  TokenStore tokens;
  SimStore store;
  FaultList faults;
  RequestLog requests;
  StopSignal stop;
};

}  // namespace probe::sim
