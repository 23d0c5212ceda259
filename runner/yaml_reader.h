// Reading suite and site files: YAML to typed values, with a location on every error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "diagnostic.h"
#include "template.h"
#include "yaml_tree.h"

namespace probe {

// Parses a YAML file. A syntax error, an empty file or an unreadable file is a diagnostic.
std::expected<yaml::Node, Diagnostic> load_yaml_file(const std::string& path);

// Reads the nodes of one file, collecting every problem instead of stopping at the first.
class YamlReader {
 public:
  YamlReader(std::string file, Diagnostics& diagnostics);

  const std::string& file() const { return file_; }
  SourceLocation location(const yaml::Node& node) const;
  void error(const yaml::Node& node, std::string message, std::string hint = {});
  void error_at(SourceLocation where, std::string message, std::string hint = {});

  // Checks that `node` is a mapping whose keys are all in `known` (any key when `known` is
  // empty) and appear once.
  // Unknown keys get a "did you mean" hint. Returns false when `node` is not a mapping.
  // Keys starting with `free_prefix`, when it is not empty, are accepted too.
  bool expect_map(const yaml::Node& node, const std::string& what,
                  const std::vector<std::string>& known, const std::string& free_prefix = {});

  // Typed readers. Each reports a diagnostic and returns nullopt on a wrong type.
  std::optional<std::string> string(const yaml::Node& node, const std::string& what);
  std::optional<bool> boolean(const yaml::Node& node, const std::string& what);
  std::optional<long long> integer(const yaml::Node& node, const std::string& what);
  // "30s", "500ms", "2m", "1h", or a plain number of seconds.
  std::optional<double> duration(const yaml::Node& node, const std::string& what);
  // A byte count: 1048576, "64KiB", "10MB", "1GiB".
  std::optional<uint64_t> size(const yaml::Node& node, const std::string& what);
  std::optional<std::vector<std::string>> string_list(const yaml::Node& node,
                                                      const std::string& what);

  // Converts any node to a template value. Plain scalars follow the YAML 1.2 core schema
  // (null, true/false, integers, floats); quoted scalars are always strings, and so are
  // yes/no/on/off.
  Template to_template(const yaml::Node& node);

  // A step of the JSON pointer that convert() passes down to the values it converts.
  struct PointerStep;

 private:
  nlohmann::json convert(const yaml::Node& node, const PointerStep* pointer, Template& out);

  std::string file_;
  Diagnostics& diagnostics_;
  // Values to_template() may still build for this file. An alias repeats its anchor's value, so
  // aliases of aliases can expand a small file into billions of values; the budget rejects that.
  size_t node_budget_;
  bool budget_exceeded_ = false;
};

// A typed JSON value for a plain YAML scalar under the YAML 1.2 core schema.
nlohmann::json resolve_plain_scalar(const std::string& text);

}  // namespace probe
