#pragma once

#include <expected>
#include <nlohmann/json.hpp>
#include <string>

#include "sim_store.h"
#include "token_store.h"

namespace probe::sim {

// A request that the service rejects, with the HTTP status and message to send.
struct JobError {
  int status = 400;
  std::string message;
};

bool is_terminal_job_status(const std::string& status);

// Validates a ReqSubmitJob body against the stored apps and systems, stores the new job in
// status PENDING and schedules its lifecycle, one status per tick:
//   PENDING, PROCESSING_INPUTS, STAGING_INPUTS, STAGING_JOB, SUBMITTING_JOB, QUEUED, RUNNING,
//   ARCHIVING, FINISHED (condition NORMAL_COMPLETION).
// A job whose name contains "fail" (any case) goes from RUNNING to FAILED with condition
// JOB_REMOTE_OUTCOME_ERROR instead. Returns the Job record.
std::expected<nlohmann::json, JobError> submit_job(SimState& state, const nlohmann::json& request,
                                                   const TokenClaims& claims);

// Moves a job that has not ended to CANCELLED (condition CANCELLED_BY_USER) at once.
std::expected<void, JobError> cancel_job(SimState& state, const std::string& uuid);

}  // namespace probe::sim
