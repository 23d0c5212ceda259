#include "yaml_reader.h"

#include <fmt/format.h>
#include <re2/re2.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <unordered_set>

namespace probe {

namespace {

using nlohmann::json;

const char* kind_name(const yaml::Node& node) {
  switch (node.kind()) {
    case yaml::Kind::map:
      return "a mapping";
    case yaml::Kind::sequence:
      return "a list";
    case yaml::Kind::null:
    case yaml::Kind::undefined:
      return "nothing";
    default:
      return "a scalar";
  }
}

std::optional<long long> parse_integer(const std::string& text) {
  static const re2::RE2 decimal("[-+]?[0-9]+");
  static const re2::RE2 octal("0o[0-7]+");
  static const re2::RE2 hex("0x[0-9a-fA-F]+");
  const char* begin = text.data();
  const char* end = begin + text.size();
  long long value = 0;
  std::from_chars_result parsed{};
  if (re2::RE2::FullMatch(text, decimal)) {
    if (*begin == '+')
      ++begin;
    parsed = std::from_chars(begin, end, value, 10);
  } else if (re2::RE2::FullMatch(text, octal)) {
    parsed = std::from_chars(begin + 2, end, value, 8);
  } else if (re2::RE2::FullMatch(text, hex)) {
    parsed = std::from_chars(begin + 2, end, value, 16);
  } else {
    return std::nullopt;
  }
  if (parsed.ec != std::errc() || parsed.ptr != end)
    return std::nullopt;
  return value;
}

}  // namespace

json resolve_plain_scalar(const std::string& text) {
  static const std::set<std::string> nulls = {"", "~", "null", "Null", "NULL"};
  static const std::set<std::string> trues = {"true", "True", "TRUE"};
  static const std::set<std::string> falses = {"false", "False", "FALSE"};
  static const re2::RE2 decimal("[-+]?[0-9]+");
  static const re2::RE2 floating("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");

  // Every null, boolean and number starts with one of these characters, so other text needs no
  // further test.
  if (!text.empty() &&
      std::string_view("0123456789+-.~nNtTfF").find(text[0]) == std::string_view::npos)
    return text;
  if (nulls.contains(text))
    return nullptr;
  if (trues.contains(text))
    return true;
  if (falses.contains(text))
    return false;
  if (auto integer = parse_integer(text))
    return *integer;
  // An integer literal too big for 64 bits: unsigned if it fits, else kept as text so that no
  // digit is silently rounded away.
  if (re2::RE2::FullMatch(text, decimal)) {
    unsigned long long value = 0;
    auto parsed = std::from_chars(text.data(), text.data() + text.size(), value);
    if (parsed.ec == std::errc() && parsed.ptr == text.data() + text.size())
      return value;
    return text;
  }
  if (text == ".inf" || text == ".Inf" || text == ".INF" || text == "+.inf")
    return std::numeric_limits<double>::infinity();
  if (text == "-.inf" || text == "-.Inf" || text == "-.INF")
    return -std::numeric_limits<double>::infinity();
  if (re2::RE2::FullMatch(text, floating)) {
    // Beyond the range of double (1e400, 1e-400): kept as text, like integers beyond 64 bits.
    try {
      return std::stod(text);
    } catch (const std::out_of_range&) {
      return text;
    }
  }
  return text;
}

std::expected<yaml::Node, Diagnostic> load_yaml_file(const std::string& path) {
  std::error_code ignored;
  if (std::filesystem::is_directory(path, ignored))
    return std::unexpected(Diagnostic{{path, 0, 0}, "is a folder, not a file", "pass a YAML file"});
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return std::unexpected(Diagnostic{
        {path, 0, 0}, "cannot read file", "check the path and that the file is readable"});
  }
  std::ostringstream content;
  content << in.rdbuf();
  const std::string text = std::move(content).str();
  auto root = yaml::parse_yaml(text, path);
  if (root && (!*root || root->is_null()))
    return std::unexpected(Diagnostic{{path, 0, 0}, "the file is empty", {}});
  return root;
}

SourceLocation YamlReader::location(const yaml::Node& node) const {
  yaml::Mark mark = node.mark();
  if (mark.line < 0)
    return {file_, 0, 0};
  return {file_, mark.line + 1, mark.column + 1};
}

void YamlReader::error(const yaml::Node& node, std::string message, std::string hint) {
  error_at(location(node), std::move(message), std::move(hint));
}

void YamlReader::error_at(SourceLocation where, std::string message, std::string hint) {
  diagnostics_.push_back({std::move(where), std::move(message), std::move(hint)});
}

bool YamlReader::expect_map(const yaml::Node& node, const std::string& what,
                            const std::vector<std::string>& known, const std::string& free_prefix) {
  if (!node.is_map()) {
    error(node, fmt::format("{} must be a mapping, not {}", what, kind_name(node)));
    return false;
  }
  // Mappings in suites have a handful of keys, so a linear search finds duplicates fastest; a
  // large one (variables, rows) gets a set.
  constexpr size_t kLinearSearchMax = 32;
  std::vector<std::string_view> seen;
  std::unordered_set<std::string_view> seen_set;
  const bool linear = node.size() <= kLinearSearchMax;
  if (linear)
    seen.reserve(node.size());
  for (const auto& [key_node, value] : node.entries()) {
    if (!key_node.is_scalar()) {
      error(key_node, fmt::format("{} has a key that is not text", what));
      continue;
    }
    const std::string_view key = key_node.scalar();
    bool duplicate = false;
    if (linear) {
      duplicate = std::find(seen.begin(), seen.end(), key) != seen.end();
      seen.push_back(key);
    } else {
      duplicate = !seen_set.insert(key).second;
    }
    if (duplicate) {
      error(key_node, fmt::format("duplicate key '{}' in {}", key, what),
            "remove one of them: YAML keeps only one value per key");
    }
    if (known.empty() || std::find(known.begin(), known.end(), key) != known.end())
      continue;
    if (!free_prefix.empty() && key.starts_with(free_prefix))
      continue;
    std::string suggestion = closest_match(std::string(key), known);
    std::string hint = suggestion.empty() ? fmt::format("known keys: {}", fmt::join(known, ", "))
                                          : fmt::format("did you mean '{}'?", suggestion);
    error(key_node, fmt::format("unknown key '{}' in {}", key, what), hint);
  }
  return true;
}

std::optional<std::string> YamlReader::string(const yaml::Node& node, const std::string& what) {
  if (!node.is_scalar()) {
    error(node, fmt::format("{} must be text, not {}", what, kind_name(node)));
    return std::nullopt;
  }
  return std::string(node.scalar());
}

std::optional<bool> YamlReader::boolean(const yaml::Node& node, const std::string& what) {
  if (node.is_scalar() && node.plain()) {
    json value = resolve_plain_scalar(std::string(node.scalar()));
    if (value.is_boolean())
      return value.get<bool>();
  }
  error(node, fmt::format("{} must be true or false", what),
        "write true or false without quotes; yes, no, on, off and quoted values are text");
  return std::nullopt;
}

std::optional<long long> YamlReader::integer(const yaml::Node& node, const std::string& what) {
  if (node.is_scalar() && node.plain()) {
    if (auto value = parse_integer(std::string(node.scalar())))
      return value;
  }
  error(node, fmt::format("{} must be a whole number", what));
  return std::nullopt;
}

std::optional<double> YamlReader::duration(const yaml::Node& node, const std::string& what) {
  static const re2::RE2 pattern("([0-9]+(?:\\.[0-9]+)?)\\s*(ms|s|m|h)?");
  std::string number;
  std::string unit;
  std::string text(node.scalar());
  double amount = 0;
  bool valid = node.is_scalar() && re2::RE2::FullMatch(text, pattern, &number, &unit);
  if (valid) {
    try {
      amount = std::stod(number);
    } catch (const std::out_of_range&) {
      valid = false;
    }
  }
  if (!valid) {
    error(node, fmt::format("{} must be a duration such as 500ms, 30s, 2m or 1h", what));
    return std::nullopt;
  }
  if (unit == "ms")
    return amount / 1000;
  if (unit == "m")
    return amount * 60;
  if (unit == "h")
    return amount * 3600;
  return amount;
}

std::optional<uint64_t> YamlReader::size(const yaml::Node& node, const std::string& what) {
  static const re2::RE2 pattern("([0-9]{1,12})\\s*(B|KB|KiB|MB|MiB|GB|GiB)?");
  std::string number;
  std::string unit;
  std::string text(node.scalar());
  if (!node.is_scalar() || !re2::RE2::FullMatch(text, pattern, &number, &unit)) {
    error(node, fmt::format("{} must be a size such as 1024, 64KiB or 10MB", what));
    return std::nullopt;
  }
  uint64_t scale = 1;
  if (unit == "KB")
    scale = 1000;
  if (unit == "KiB")
    scale = 1024;
  if (unit == "MB")
    scale = 1000 * 1000;
  if (unit == "MiB")
    scale = 1024 * 1024;
  if (unit == "GB")
    scale = 1000ULL * 1000 * 1000;
  if (unit == "GiB")
    scale = 1024ULL * 1024 * 1024;
  return std::stoull(number) * scale;
}

std::optional<std::vector<std::string>> YamlReader::string_list(const yaml::Node& node,
                                                                const std::string& what) {
  std::vector<std::string> out;
  if (node.is_scalar()) {
    out.emplace_back(node.scalar());
    return out;
  }
  if (!node.is_sequence()) {
    error(node, fmt::format("{} must be a list of text values", what));
    return std::nullopt;
  }
  for (const yaml::Node& item : node) {
    auto text = string(item, what + " item");
    if (!text)
      return std::nullopt;
    out.push_back(*text);
  }
  return out;
}

YamlReader::YamlReader(std::string file, Diagnostics& diagnostics)
    : file_(std::move(file)), diagnostics_(diagnostics) {
  std::error_code ignored;
  const uintmax_t bytes = std::filesystem::file_size(file_, ignored);
  node_budget_ = yaml_node_budget(ignored ? 0 : bytes);
}

// One step of the JSON pointer to the value convert() is at, linked to its parent's on the
// stack. The pointer is written out only for a scalar with a reference in it, which few are.
struct YamlReader::PointerStep {
  const PointerStep* parent;
  std::string_view key;
  size_t index;
  bool is_index;
};

namespace {

std::string pointer_text(const YamlReader::PointerStep* step) {
  std::vector<const YamlReader::PointerStep*> steps;
  for (; step != nullptr; step = step->parent)
    steps.push_back(step);
  std::string out;
  for (auto it = steps.rbegin(); it != steps.rend(); ++it) {
    out += '/';
    out += (*it)->is_index ? std::to_string((*it)->index)
                           : escape_pointer_token(std::string((*it)->key));
  }
  return out;
}

}  // namespace

Template YamlReader::to_template(const yaml::Node& node) {
  Template out;
  out.location = location(node);
  out.value = convert(node, nullptr, out);
  return out;
}

json YamlReader::convert(const yaml::Node& node, const PointerStep* pointer, Template& out) {
  if (node_budget_ == 0) {
    if (!budget_exceeded_) {
      budget_exceeded_ = true;
      error(node, "aliases expand the file into too many values",
            "an alias repeats its anchored value: do not nest aliases of aliases");
    }
    return nullptr;
  }
  --node_budget_;
  switch (node.kind()) {
    case yaml::Kind::null:
    case yaml::Kind::undefined:
      return nullptr;
    case yaml::Kind::scalar: {
      std::string text(node.scalar());
      const bool plain = node.plain();
      if (text.find("${") != std::string::npos)
        out.origins[pointer_text(pointer)] = ScalarOrigin{location(node), !plain};
      return plain ? resolve_plain_scalar(text) : json(std::move(text));
    }
    case yaml::Kind::sequence: {
      json array = json::array();
      array.get_ref<json::array_t&>().reserve(node.size());
      size_t index = 0;
      for (const yaml::Node& item : node) {
        const PointerStep step{pointer, {}, index++, true};
        array.push_back(convert(item, &step, out));
      }
      return array;
    }
    case yaml::Kind::map: {
      json object = json::object();
      for (const auto& [key_node, value] : node.entries()) {
        if (!key_node.is_scalar()) {
          error(key_node, "mapping keys must be text");
          continue;
        }
        const std::string_view key = key_node.scalar();
        auto [entry, inserted] = object.emplace(std::string(key), nullptr);
        if (!inserted) {
          error(key_node, fmt::format("duplicate key '{}'", key),
                "remove one of them: YAML keeps only one value per key");
        }
        const PointerStep step{pointer, key, 0, false};
        entry.value() = convert(value, &step, out);
      }
      return object;
    }
  }
  return nullptr;
}

}  // namespace probe
