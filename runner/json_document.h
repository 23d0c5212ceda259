// Fast reads of a JSON response body: simdjson parses it, and only the nodes a query selects
// become nlohmann::json values.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "json_path.h"

namespace probe {

// The node a singular query selects.
struct SelectedNode {
  nlohmann::json value;            // the node, left null when `length` is set
  std::optional<uint64_t> length;  // on request, for a string (code points), array or object
};

// A body parsed by simdjson. Building a whole nlohmann::json tree costs many times more than
// simdjson's parse, so a check that reads one field converts only that field.
class JsonDocument {
 public:
  // Parses `text`, or returns nullptr when simdjson rejects it: invalid JSON, but also a number
  // beyond 64 bits or nesting past simdjson's depth limit, which nlohmann::json accepts. Callers
  // then fall back to nlohmann::json::parse(), which also explains what is wrong.
  static std::unique_ptr<JsonDocument> parse(const std::string& text);

  ~JsonDocument();
  JsonDocument(const JsonDocument&) = delete;
  JsonDocument& operator=(const JsonDocument&) = delete;

  // The whole document as nlohmann::json::parse() builds it: a duplicate member name keeps its
  // last value, and a non-negative integer is unsigned.
  nlohmann::json to_json() const;

  // Follows the steps of a singular query, or returns nullopt when they select nothing. With
  // `want_length`, a string, array or object yields its length instead of its value.
  std::optional<SelectedNode> select(const std::vector<JsonPath::SingularStep>& steps,
                                     bool want_length) const;

  // Calls `visit` with the value of every string member whose name is in `names`, in objects
  // at most `max_depth` levels below the root.
  void visit_string_members(std::span<const std::string_view> names, int max_depth,
                            const std::function<void(std::string_view value)>& visit) const;

  // A simdjson parser and the root of the document it read; public for the thread's spare parser.
  struct Parsed;

 private:
  explicit JsonDocument(std::unique_ptr<Parsed> parsed);

  std::unique_ptr<Parsed> parsed_;
};

}  // namespace probe
