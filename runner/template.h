// Variable references in suite values: `${name}`, `${env.NAME}`, and `$${` for a literal `${`.
#pragma once

#include <cstddef>
#include <expected>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>

#include "diagnostic.h"

namespace probe {

// Maximum bytes in one string that expansion builds (1 MiB). Suites whose variables refer to
// others several times can describe text that doubles with each level, so expansion stops there
// instead of exhausting memory. A lone unquoted `${x}` copies x's value and is not counted.
// NOTE: so lists and mappings are not measured, and variables whose values are mappings of
// lone references to each other can still grow exponentially until the depth limit of 32.
constexpr size_t kMaxExpandedBytes = size_t{1} << 20;

// Where a string scalar holding `${` came from, and whether it was quoted in YAML.
struct ScalarOrigin {
  SourceLocation location;
  bool quoted = false;
};

// A value from a suite or site file whose strings may reference variables. Expanded at run time
// against a Scope.
struct Template {
  nlohmann::json value;
  SourceLocation location;
  // Keyed by JSON pointer into `value`; only strings that contain "${" are recorded.
  std::map<std::string, ScalarOrigin> origins;

  bool empty() const { return value.is_null(); }
};

struct Binding {
  nlohmann::json value;
  bool is_template = false;  // suite and site variables may reference other variables
  bool secret = false;
  SourceLocation location;  // where it was defined, for "defined in terms of itself" errors
  std::map<std::string, ScalarOrigin> origins;
};

// Variables visible to a test, looked up innermost first.
class Scope {
 public:
  explicit Scope(const Scope* parent = nullptr) : parent_(parent) {}

  void set(const std::string& name, Binding binding);
  const Binding* find(const std::string& name) const;

 private:
  const Scope* parent_;
  std::unordered_map<std::string, Binding> bindings_;
};

// Expands every string in `input`. A string that is exactly one unquoted `${x}` becomes x's value
// with its JSON type; in any other string the value is written as text (strings as they are, other
// values as compact JSON). `${env.NAME}` reads the environment. An undefined variable is an error
// naming it and where it was used, never an empty string.
std::expected<nlohmann::json, Diagnostic> expand(const Template& input, const Scope& scope);

// Expands `input` and requires a string result (numbers and booleans are written as text).
std::expected<std::string, Diagnostic> expand_text(const Template& input, const Scope& scope);

// Escapes one JSON pointer reference token (RFC 6901): '~' becomes "~0" and '/' becomes "~1".
std::string escape_pointer_token(const std::string& token);

// Builds the error for a string that would expand beyond kMaxExpandedBytes. `variable` names
// the variable whose value the string is, or is empty for a value written in place.
Diagnostic expansion_too_large(const SourceLocation& where, const std::string& variable);

// The references in one string: the variable names (without `env.` ones), the bytes of its
// literal text, and whether the string is nothing but one reference.
struct References {
  std::vector<std::string> names;
  size_t literal_bytes = 0;
  bool lone_reference = false;
};

// Parses the references in `text`, or returns an error message when one is malformed.
std::expected<References, std::string> parse_references(const std::string& text);

// Lists the variable names `text` references (without `env.` ones), or an error message when a
// reference is malformed.
std::expected<std::vector<std::string>, std::string> referenced_variables(const std::string& text);

}  // namespace probe
