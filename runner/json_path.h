// JSONPath queries as RFC 9535 defines them, evaluated over nlohmann::json documents.
#pragma once

#include <expected>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace probe {

// A reason why a query text is not a valid, well-typed RFC 9535 query.
struct JsonPathError {
  std::string message;  // lowercase description of the problem: "expected ']' after index"
  size_t offset = 0;    // 0-based byte offset in the query text where the problem is
};

// A parsed, immutable query. Cheap to copy (shares its syntax tree); safe to use from several
// threads.
//
// Supported: every segment, selector and filter expression of RFC 9535, and its function
// extensions length(), count(), match(), search() and value(). match() and search() take
// I-Regexp patterns (RFC 9485), which are translated to RE2. A pattern that is not a valid
// I-Regexp makes the function return false, as RFC 9535 requires.
class JsonPath {
 public:
  // Parses and type-checks `text`. An invalid query, ill-typed function use, invalid UTF-8 and
  // nesting deeper than 128 levels return an error. Throws only std::bad_alloc.
  static std::expected<JsonPath, JsonPathError> parse(std::string_view text);

  // The nodelist the query selects from `root`, in RFC 9535 order. Pointers point into `root`.
  // Object members are visited in the order nlohmann::json stores them (sorted by name).
  std::vector<const nlohmann::json*> select(const nlohmann::json& root) const;

  // True when the query is a singular query (RFC 9535 2.3.5.1: only name and index segments), so
  // it selects at most one node. As in the RFC grammar, blank space inside brackets makes a query
  // non-singular: $['a'] is singular, $[ 'a' ] is not.
  bool is_singular() const;

  // One segment of a singular query: a member name, or an array index that counts from the
  // end when negative.
  struct SingularStep {
    bool is_index = false;
    std::string name;
    int64_t index = 0;
  };

  // The segments of a singular query in order (none for `$` itself); empty when the query is not
  // singular. Lets other document representations evaluate the query.
  const std::vector<SingularStep>& singular_steps() const;

  const std::string& text() const;

 private:
  struct Compiled;

  explicit JsonPath(std::shared_ptr<const Compiled> compiled);

  std::shared_ptr<const Compiled> compiled_;
};

}  // namespace probe
