#include "timestamps.h"

#include <array>
#include <ctime>

namespace probe::sim {
namespace {

// Formats the whole seconds of `time` with strftime, since g++ 12 has no std::format.
std::string format_utc(SystemTime time, const char* pattern) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm fields{};
  gmtime_r(&seconds, &fields);

  std::array<char, 64> buffer{};
  std::size_t length = std::strftime(buffer.data(), buffer.size(), pattern, &fields);
  return std::string(buffer.data(), length);
}

}  // namespace

std::string format_iso_utc(SystemTime time) {
  return format_utc(time, "%Y-%m-%dT%H:%M:%S+00:00");
}

std::string format_iso_utc_millis(SystemTime time) {
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch());
  auto fraction = std::to_string(1000 + millis.count() % 1000).substr(1);
  return format_utc(time, "%Y-%m-%dT%H:%M:%S.") + fraction + "Z";
}

std::int64_t unix_seconds(SystemTime time) {
  return std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
}

}  // namespace probe::sim
