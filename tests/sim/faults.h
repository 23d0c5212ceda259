#pragma once

#include <chrono>
#include <expected>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace probe::sim {

// The body a fault sends in place of the handler's response.
enum class FaultBody { kNormal, kMalformed, kEmpty };

// One injected fault. Grammar (the same text --fault takes):
//   METHOD PATH-PATTERN ACTION... [times=N]
// METHOD is an HTTP method or "*". PATH-PATTERN is an exact path, or a prefix ending in "*".
// ACTION is status=CODE, delay=N(ms|s), body=malformed|empty, reset or flap=N.
struct FaultRule {
  int id = 0;
  std::string method = "*";
  std::string path_pattern;
  std::optional<int> status;
  std::chrono::milliseconds delay{0};
  FaultBody body = FaultBody::kNormal;
  bool reset = false;

  // How many matching requests the rule applies to, and how many of those are left. Empty
  // means the rule applies to every matching request.
  std::optional<int> times;
  std::optional<int> remaining;

  // flap=N: the rule covers the next N matching requests and faults the 1st, 3rd, 5th and so on,
  // while the others pass unfaulted. It uses `remaining` to count and excludes `times`.
  std::optional<int> flap;

  bool matches(std::string_view request_method, std::string_view path) const;

  // The rule in the --fault grammar, for logs and the control API.
  std::string spec() const;
  nlohmann::json to_json() const;
};

std::expected<FaultRule, std::string> parse_fault_spec(std::string_view spec);

// Parses the control API's form: {"method","path","status"|"delay_ms"|"body"|"reset","times"},
// or {"spec": "GET /v3/apps status=503"}.
std::expected<FaultRule, std::string> parse_fault_json(const nlohmann::json& body);

// Active fault rules, shared by all server threads.
class FaultList {
 public:
  // Stores the rule under a new id and returns the stored copy.
  FaultRule add(FaultRule rule);

  // Returns the first rule matching the request and uses up one of its `times` or `flap`
  // requests. Returns nullopt when no rule matches, and for the requests a flap rule lets pass.
  std::optional<FaultRule> take_match(std::string_view method, std::string_view path);

  std::vector<FaultRule> list() const;
  void clear();

 private:
  mutable std::mutex mutex_;
  std::vector<FaultRule> rules_;
  int next_id_ = 1;
};

}  // namespace probe::sim
