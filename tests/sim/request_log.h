#pragma once

#include <cstddef>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "timestamps.h"

namespace probe::sim {

struct RequestRecord {
  SystemTime time;
  std::string method;
  std::string path;

  // Empty when a reset fault closed the connection without a response.
  std::optional<int> status;

  // The applied fault rule in the --fault grammar, or empty.
  std::string fault;

  // For token requests: the grant ("password" on /v3/oauth2/tokens, the account_type on
  // /v3/tokens) and the username the token was requested for.
  std::string grant;
  std::string username;

  nlohmann::json to_json() const;
};

// Requests received outside the control API, oldest first, for tests to inspect.
class RequestLog {
 public:
  // Oldest records are dropped beyond this count so a long run cannot exhaust memory.
  static constexpr std::size_t kMaxRecords = 100'000;

  void add(RequestRecord record);
  nlohmann::json to_json() const;
  void clear();

 private:
  mutable std::mutex mutex_;
  std::deque<RequestRecord> records_;
};

}  // namespace probe::sim
