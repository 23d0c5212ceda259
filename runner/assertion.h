// Checking a response against the assertions of a step.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "http_client.h"
#include "json_document.h"
#include "result.h"
#include "suite.h"

namespace probe {

// A response with its body parsed as JSON at most once by each parser: simdjson for reading
// single fields, nlohmann::json for the whole tree.
class ResponseView {
 public:
  explicit ResponseView(const HttpResponse& response);
  ~ResponseView();

  const HttpResponse& response() const { return response_; }
  // The body as JSON, or nullptr when it is not JSON; json_error() then gives the reason.
  const nlohmann::json* json() const;
  const std::string& json_error() const;
  // What a singular query selects, with only that node converted (see JsonDocument::select).
  // nullopt when it selects nothing or the body is not JSON; is_json() distinguishes the two.
  std::optional<SelectedNode> select_singular(const JsonPath& path, bool want_length) const;
  // Whether the body is JSON, without building the nlohmann::json tree when simdjson accepts it.
  bool is_json() const;
  // The body parsed by simdjson, or nullptr when simdjson rejects it (see JsonDocument::parse).
  const JsonDocument* document() const;
  // The body's SHA-256 in lowercase hex, computed once (a download's was computed while it
  // streamed).
  const std::string& sha256() const;

 private:
  void parse() const;
  void parse_document() const;

  const HttpResponse& response_;
  mutable bool document_parsed_ = false;
  mutable std::unique_ptr<JsonDocument> document_;  // null when simdjson rejected the body
  mutable bool parsed_ = false;
  mutable nlohmann::json json_;
  mutable std::string json_error_;
  mutable std::string sha256_;
};

// Checks one assertion; `expected` is the assertion's operand with variables expanded.
AssertionResult evaluate(const AssertionSpec& assertion, const nlohmann::json& expected,
                         const ResponseView& response);

// Deep equality where numbers compare by value (1 == 1.0) and integers exactly.
bool json_equal(const nlohmann::json& a, const nlohmann::json& b);

// The value a JSONPath selects: the node for a singular query (nullopt when absent),
// otherwise the list of every selected node.
std::optional<nlohmann::json> select_value(const JsonPath& path, const nlohmann::json& root);

// Renders a value as compact JSON for messages and reports, whole: callers mask secrets and
// then cut it (Redactor::mask_excerpt).
std::string render(const nlohmann::json& value);

}  // namespace probe
