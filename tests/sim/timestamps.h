#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace probe::sim {

using SystemTime = std::chrono::system_clock::time_point;

// Formats `time` as ISO 8601 UTC with whole seconds, e.g. 2025-07-07T12:00:00+00:00 (the form
// Python's isoformat gives the Tapis token services).
std::string format_iso_utc(SystemTime time);

// Formats `time` as 2025-07-07T12:00:00.000Z, the form the Java services use in records.
std::string format_iso_utc_millis(SystemTime time);

std::int64_t unix_seconds(SystemTime time);

}  // namespace probe::sim
