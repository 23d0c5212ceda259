// Variable references in suite values: `${name}`, `${env.NAME}`, and `$${` for a literal `${`.
#pragma once

#include <expected>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>

#include "diagnostic.h"

namespace probe {

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

// Lists the variable names `text` references (without `env.` ones), or an error message when a
// reference is malformed.
std::expected<std::vector<std::string>, std::string> referenced_variables(const std::string& text);

}  // namespace probe
