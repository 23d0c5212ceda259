#include "faults.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <sstream>

namespace probe::sim {
namespace {

using nlohmann::json;

// Longest accepted delay. Delays end early when the server stops, so this only guards the
// millisecond arithmetic against overflow.
constexpr std::int64_t kMaxDelayMs = 24LL * 60 * 60 * 1000;

std::vector<std::string> split_words(std::string_view text) {
  std::vector<std::string> words;
  std::istringstream stream{std::string(text)};
  std::string word;
  while (stream >> word) {
    words.push_back(word);
  }
  return words;
}

std::optional<std::int64_t> parse_integer(std::string_view text) {
  std::int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

std::expected<std::string, std::string> parse_method(std::string_view text) {
  if (text == "*") {
    return std::string(text);
  }
  if (text.empty() || !std::ranges::all_of(text, [](char c) { return std::isalpha(c) != 0; })) {
    return std::unexpected("invalid method '" + std::string(text) +
                           "': expected an HTTP method such as GET, or *");
  }
  std::string method(text);
  std::ranges::transform(method, method.begin(),
                         [](char c) { return static_cast<char>(std::toupper(c)); });
  return method;
}

std::expected<std::string, std::string> parse_path_pattern(std::string_view text) {
  if (text == "*") {
    return std::string(text);
  }
  if (!text.starts_with('/')) {
    return std::unexpected("invalid path pattern '" + std::string(text) +
                           "': expected a path starting with /, or *");
  }
  auto star = text.find('*');
  if (star != std::string_view::npos && star != text.size() - 1) {
    return std::unexpected("invalid path pattern '" + std::string(text) +
                           "': * is allowed only at the end");
  }
  return std::string(text);
}

std::expected<int, std::string> parse_status(std::string_view text) {
  auto value = parse_integer(text);
  if (!value || *value < 100 || *value > 599) {
    return std::unexpected("invalid status '" + std::string(text) +
                           "': expected an HTTP status code from 100 to 599");
  }
  return static_cast<int>(*value);
}

std::expected<std::chrono::milliseconds, std::string> parse_delay(std::string_view text) {
  std::int64_t scale = 0;
  std::string_view number = text;
  if (text.ends_with("ms")) {
    scale = 1;
    number.remove_suffix(2);
  } else if (text.ends_with('s')) {
    scale = 1000;
    number.remove_suffix(1);
  }

  auto value = parse_integer(number);
  if (scale == 0 || !value || *value < 0 || *value > kMaxDelayMs / scale) {
    return std::unexpected("invalid delay '" + std::string(text) +
                           "': expected a whole number followed by ms or s, at most 24 h");
  }
  return std::chrono::milliseconds(*value * scale);
}

std::expected<FaultBody, std::string> parse_body(std::string_view text) {
  if (text == "malformed") {
    return FaultBody::kMalformed;
  }
  if (text == "empty") {
    return FaultBody::kEmpty;
  }
  return std::unexpected("invalid body '" + std::string(text) + "': expected malformed or empty");
}

std::expected<int, std::string> parse_times(std::int64_t value, std::string_view text,
                                            std::string_view name = "times") {
  if (value < 1 || value > 1'000'000) {
    return std::unexpected("invalid " + std::string(name) + " '" + std::string(text) +
                           "': expected a count from 1 to 1000000");
  }
  return static_cast<int>(value);
}

// Rejects rules that do nothing, or that combine actions that exclude each other. A flap rule
// without status, body or reset fails with 503.
std::expected<FaultRule, std::string> check_rule(FaultRule rule) {
  bool has_action = rule.status || rule.delay.count() > 0 || rule.body != FaultBody::kNormal ||
                    rule.reset || rule.flap;
  if (!has_action) {
    return std::unexpected(
        "fault has no action: add status=CODE, delay=N(ms|s), body=malformed|empty, reset or "
        "flap=N");
  }
  if (rule.reset && (rule.status || rule.body != FaultBody::kNormal)) {
    return std::unexpected("reset sends no response, so it cannot be combined with status or body");
  }
  if (rule.flap && rule.times) {
    return std::unexpected("flap=N already limits the rule to N requests, so drop times=");
  }
  if (rule.flap) {
    rule.remaining = rule.flap;
    if (!rule.status && rule.body == FaultBody::kNormal && !rule.reset) {
      rule.status = 503;
    }
  }
  return rule;
}

// Applies one KEY=VALUE or `reset` word of the --fault grammar to `rule`.
std::expected<void, std::string> apply_action(std::string_view word, FaultRule& rule) {
  if (word == "reset") {
    rule.reset = true;
    return {};
  }

  auto equals = word.find('=');
  if (equals == std::string_view::npos) {
    return std::unexpected("invalid action '" + std::string(word) +
                           "': expected status=, delay=, body=, times=, flap= or reset");
  }
  auto key = word.substr(0, equals);
  auto value = word.substr(equals + 1);

  if (key == "status") {
    auto status = parse_status(value);
    if (!status) {
      return std::unexpected(status.error());
    }
    rule.status = *status;
  } else if (key == "delay") {
    auto delay = parse_delay(value);
    if (!delay) {
      return std::unexpected(delay.error());
    }
    rule.delay = *delay;
  } else if (key == "body") {
    auto body = parse_body(value);
    if (!body) {
      return std::unexpected(body.error());
    }
    rule.body = *body;
  } else if (key == "times") {
    auto times = parse_times(parse_integer(value).value_or(0), value);
    if (!times) {
      return std::unexpected(times.error());
    }
    rule.times = *times;
    rule.remaining = *times;
  } else if (key == "flap") {
    auto flap = parse_times(parse_integer(value).value_or(0), value, "flap");
    if (!flap) {
      return std::unexpected(flap.error());
    }
    rule.flap = *flap;
  } else {
    return std::unexpected("unknown action '" + std::string(key) +
                           "': expected status, delay, body, times, flap or reset");
  }
  return {};
}

std::expected<void, std::string> apply_json_fields(const json& body, FaultRule& rule) {
  if (body.contains("status")) {
    if (!body["status"].is_number_integer()) {
      return std::unexpected("invalid \"status\": expected an integer HTTP status code");
    }
    auto status = parse_status(std::to_string(body["status"].get<std::int64_t>()));
    if (!status) {
      return std::unexpected(status.error());
    }
    rule.status = *status;
  }
  if (body.contains("delay_ms")) {
    if (!body["delay_ms"].is_number_integer()) {
      return std::unexpected("invalid \"delay_ms\": expected an integer number of milliseconds");
    }
    auto delay = parse_delay(std::to_string(body["delay_ms"].get<std::int64_t>()) + "ms");
    if (!delay) {
      return std::unexpected(delay.error());
    }
    rule.delay = *delay;
  }
  if (body.contains("body")) {
    auto parsed = body["body"].is_string() ? parse_body(body["body"].get<std::string>())
                                           : parse_body(body["body"].dump());
    if (!parsed) {
      return std::unexpected(parsed.error());
    }
    rule.body = *parsed;
  }
  if (body.contains("reset")) {
    if (!body["reset"].is_boolean()) {
      return std::unexpected("invalid \"reset\": expected true or false");
    }
    rule.reset = body["reset"].get<bool>();
  }
  if (body.contains("times")) {
    if (!body["times"].is_number_integer()) {
      return std::unexpected("invalid \"times\": expected an integer count");
    }
    auto times = parse_times(body["times"].get<std::int64_t>(), body["times"].dump());
    if (!times) {
      return std::unexpected(times.error());
    }
    rule.times = *times;
    rule.remaining = *times;
  }
  if (body.contains("flap")) {
    if (!body["flap"].is_number_integer()) {
      return std::unexpected("invalid \"flap\": expected an integer count");
    }
    auto flap = parse_times(body["flap"].get<std::int64_t>(), body["flap"].dump(), "flap");
    if (!flap) {
      return std::unexpected(flap.error());
    }
    rule.flap = *flap;
  }
  return {};
}

}  // namespace

bool FaultRule::matches(std::string_view request_method, std::string_view path) const {
  if (method != "*" && method != request_method) {
    return false;
  }
  if (path_pattern.ends_with('*')) {
    return path.starts_with(std::string_view(path_pattern).substr(0, path_pattern.size() - 1));
  }
  return path == path_pattern;
}

std::string FaultRule::spec() const {
  std::string text = method + " " + path_pattern;
  if (status) {
    text += " status=" + std::to_string(*status);
  }
  if (delay.count() > 0 && delay.count() % 1000 == 0) {
    text += " delay=" + std::to_string(delay.count() / 1000) + "s";
  } else if (delay.count() > 0) {
    text += " delay=" + std::to_string(delay.count()) + "ms";
  }
  if (body == FaultBody::kMalformed) {
    text += " body=malformed";
  } else if (body == FaultBody::kEmpty) {
    text += " body=empty";
  }
  if (reset) {
    text += " reset";
  }
  if (times) {
    text += " times=" + std::to_string(*times);
  }
  if (flap) {
    text += " flap=" + std::to_string(*flap);
  }
  return text;
}

json FaultRule::to_json() const {
  json out = {{"id", id},
              {"spec", spec()},
              {"method", method},
              {"path", path_pattern},
              {"delay_ms", delay.count()},
              {"reset", reset}};
  out["status"] = status ? json(*status) : json(nullptr);
  out["body"] = body == FaultBody::kMalformed ? json("malformed")
                : body == FaultBody::kEmpty   ? json("empty")
                                              : json(nullptr);
  out["times"] = times ? json(*times) : json(nullptr);
  out["flap"] = flap ? json(*flap) : json(nullptr);
  out["remaining"] = remaining ? json(*remaining) : json(nullptr);
  return out;
}

std::expected<FaultRule, std::string> parse_fault_spec(std::string_view spec) {
  auto words = split_words(spec);
  if (words.size() < 3) {
    return std::unexpected(
        "invalid fault '" + std::string(spec) +
        "': expected METHOD PATH-PATTERN ACTION, e.g. 'GET /v3/apps status=503'");
  }

  FaultRule rule;
  auto method = parse_method(words[0]);
  if (!method) {
    return std::unexpected(method.error());
  }
  rule.method = *method;

  auto pattern = parse_path_pattern(words[1]);
  if (!pattern) {
    return std::unexpected(pattern.error());
  }
  rule.path_pattern = *pattern;

  for (std::size_t i = 2; i < words.size(); ++i) {
    auto applied = apply_action(words[i], rule);
    if (!applied) {
      return std::unexpected(applied.error());
    }
  }
  return check_rule(std::move(rule));
}

std::expected<FaultRule, std::string> parse_fault_json(const json& body) {
  if (!body.is_object()) {
    return std::unexpected("invalid fault: expected a JSON object");
  }
  if (body.contains("spec")) {
    if (!body["spec"].is_string()) {
      return std::unexpected("invalid \"spec\": expected a string in the --fault grammar");
    }
    return parse_fault_spec(body["spec"].get<std::string>());
  }

  FaultRule rule;
  if (body.contains("method") && !body["method"].is_string()) {
    return std::unexpected("invalid \"method\": expected a string such as \"GET\" or \"*\"");
  }
  auto method = parse_method(body.value("method", std::string("*")));
  if (!method) {
    return std::unexpected(method.error());
  }
  rule.method = *method;

  if (!body.contains("path") || !body["path"].is_string()) {
    return std::unexpected("missing \"path\": expected a path or a prefix ending in *");
  }
  auto pattern = parse_path_pattern(body["path"].get<std::string>());
  if (!pattern) {
    return std::unexpected(pattern.error());
  }
  rule.path_pattern = *pattern;

  auto applied = apply_json_fields(body, rule);
  if (!applied) {
    return std::unexpected(applied.error());
  }
  return check_rule(std::move(rule));
}

FaultRule FaultList::add(FaultRule rule) {
  std::lock_guard lock(mutex_);
  rule.id = next_id_++;
  rules_.push_back(rule);
  return rule;
}

std::optional<FaultRule> FaultList::take_match(std::string_view method, std::string_view path) {
  std::lock_guard lock(mutex_);
  auto found = std::ranges::find_if(
      rules_, [&](const FaultRule& rule) { return rule.matches(method, path); });
  if (found == rules_.end()) {
    return std::nullopt;
  }

  FaultRule matched = *found;
  bool faulted = !found->flap || (*found->flap - *found->remaining) % 2 == 0;
  if (found->remaining && --*found->remaining == 0) {
    rules_.erase(found);
  }
  if (!faulted) {
    return std::nullopt;
  }
  return matched;
}

std::vector<FaultRule> FaultList::list() const {
  std::lock_guard lock(mutex_);
  return rules_;
}

void FaultList::clear() {
  std::lock_guard lock(mutex_);
  rules_.clear();
}

}  // namespace probe::sim
