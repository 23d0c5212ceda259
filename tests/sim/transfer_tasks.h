#pragma once

#include <expected>
#include <nlohmann/json.hpp>
#include <string>

#include "file_tree.h"
#include "sim_store.h"
#include "token_store.h"

namespace probe::sim {

// Validates a ReqTransfer body, stores a TransferTask in status ACCEPTED and schedules its
// lifecycle, one status per tick: ACCEPTED, STAGED, IN_PROGRESS, COMPLETED. At STAGED every
// source must exist, else the task ends FAILED with an errorMessage. At COMPLETED the bytes are
// copied. A task tagged "stall" stays IN_PROGRESS until it is cancelled.
// URIs have the form tapis://SYSTEM/PATH, and both systems must exist when the task is created.
std::expected<nlohmann::json, FileError> create_transfer(SimState& state,
                                                         const nlohmann::json& request,
                                                         const TokenClaims& claims);

bool is_terminal_transfer_status(const std::string& status);

// Moves a task that has not ended to CANCELLED at once. Files already copied stay.
std::expected<nlohmann::json, FileError> cancel_transfer(SimState& state, const std::string& uuid);

}  // namespace probe::sim
