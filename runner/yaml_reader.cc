#include "yaml_reader.h"

#include <fmt/format.h>
#include <re2/re2.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <stdexcept>

namespace probe {

namespace {

using nlohmann::json;

bool is_plain(const YAML::Node& node) {
  return node.Tag() == "?";
}

const char* kind_name(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Null:
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

bool is_merge_key(const YAML::Node& key) {
  return key.IsScalar() && key.Scalar() == "<<" &&
         (key.Tag() == "?" || key.Tag() == "tag:yaml.org,2002:merge");
}

// Anchors nest only as deep as a file is written; a deeper chain is an alias cycle.
constexpr int kMaxMergeDepth = 64;

// Applies YAML merge keys (`<<: *anchor` or `<<: [*a, *b]`) in place, as the YAML 1.1 merge
// type defines them: keys written in the mapping win over merged ones, and an earlier mapping
// in a merge list wins over a later one. yaml-cpp 0.7 resolves anchors and aliases but leaves
// `<<` as an ordinary key. Merged keys keep their nodes, so errors about them point into the
// anchored mapping they came from.
std::optional<Diagnostic> resolve_merge_keys(YAML::Node node, const std::string& path, int depth,
                                             size_t& budget) {
  if (budget == 0)
    return Diagnostic{{path, node.Mark().line + 1, node.Mark().column + 1},
                      "aliases expand the file into too many values",
                      "an alias repeats its anchored value: do not nest aliases of aliases"};
  --budget;
  if (depth > kMaxMergeDepth)
    return Diagnostic{{path, node.Mark().line + 1, node.Mark().column + 1},
                      "aliases nest too deeply, or refer to themselves",
                      "an anchored mapping must not contain an alias of itself"};
  if (node.IsSequence()) {
    for (YAML::Node item : node) {
      if (auto problem = resolve_merge_keys(item, path, depth + 1, budget))
        return problem;
    }
    return std::nullopt;
  }
  if (!node.IsMap())
    return std::nullopt;

  std::vector<YAML::Node> sources;
  YAML::Node merge_key;
  for (auto it = node.begin(); it != node.end(); ++it) {
    if (!is_merge_key(it->first))
      continue;
    merge_key = it->first;
    YAML::Node value = it->second;
    if (value.IsMap()) {
      sources.push_back(value);
    } else if (value.IsSequence()) {
      for (YAML::Node item : value)
        sources.push_back(item);
    } else {
      sources.push_back(value);
    }
  }
  if (merge_key) {
    for (YAML::Node& source : sources) {
      if (!source.IsMap()) {
        return Diagnostic{{path, source.Mark().line + 1, source.Mark().column + 1},
                          "'<<' merges only mappings",
                          "write '<<: *anchor' or '<<: [*first, *second]' where each anchor "
                          "names a mapping"};
      }
      if (auto problem = resolve_merge_keys(source, path, depth + 1, budget))
        return problem;
    }
    node.remove(merge_key);
    // Looked up through a const node: operator[] of a mutable node adds the key.
    const YAML::Node& lookup = node;
    for (const YAML::Node& source : sources) {
      for (auto it = source.begin(); it != source.end(); ++it) {
        if (!it->first.IsScalar() || lookup[it->first.Scalar()])
          continue;
        node.force_insert(it->first, it->second);
      }
    }
  }
  for (auto it = node.begin(); it != node.end(); ++it) {
    if (auto problem = resolve_merge_keys(it->second, path, depth + 1, budget))
      return problem;
  }
  return std::nullopt;
}

}  // namespace

json resolve_plain_scalar(const std::string& text) {
  static const std::set<std::string> nulls = {"", "~", "null", "Null", "NULL"};
  static const std::set<std::string> trues = {"true", "True", "TRUE"};
  static const std::set<std::string> falses = {"false", "False", "FALSE"};
  static const re2::RE2 decimal("[-+]?[0-9]+");
  static const re2::RE2 floating("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");

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

std::expected<YAML::Node, Diagnostic> load_yaml_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return std::unexpected(Diagnostic{
        {path, 0, 0}, "cannot read file", "check the path and that the file is readable"});
  }
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  try {
    YAML::Node root = YAML::Load(text);
    if (!root.IsDefined() || root.IsNull()) {
      return std::unexpected(Diagnostic{{path, 0, 0}, "the file is empty", {}});
    }
    // Walking every node costs a fifth of the load of a large suite, so only files that can
    // hold a merge key are walked.
    if (text.find("<<") != std::string::npos) {
      size_t budget = yaml_node_budget(text.size());
      if (auto problem = resolve_merge_keys(root, path, 0, budget))
        return std::unexpected(std::move(*problem));
    }
    return root;
  } catch (const YAML::Exception& e) {
    return std::unexpected(Diagnostic{{path, e.mark.line + 1, e.mark.column + 1},
                                      fmt::format("invalid YAML: {}", e.msg),
                                      "fix the YAML syntax at this position"});
  }
}

SourceLocation YamlReader::location(const YAML::Node& node) const {
  YAML::Mark mark = node.Mark();
  if (mark.is_null())
    return {file_, 0, 0};
  return {file_, mark.line + 1, mark.column + 1};
}

void YamlReader::error(const YAML::Node& node, std::string message, std::string hint) {
  error_at(location(node), std::move(message), std::move(hint));
}

void YamlReader::error_at(SourceLocation where, std::string message, std::string hint) {
  diagnostics_.push_back({std::move(where), std::move(message), std::move(hint)});
}

bool YamlReader::expect_map(const YAML::Node& node, const std::string& what,
                            const std::vector<std::string>& known, const std::string& free_prefix) {
  if (!node.IsMap()) {
    error(node, fmt::format("{} must be a mapping, not {}", what, kind_name(node)));
    return false;
  }
  std::set<std::string> seen;
  for (auto it = node.begin(); it != node.end(); ++it) {
    if (!it->first.IsScalar()) {
      error(it->first, fmt::format("{} has a key that is not text", what));
      continue;
    }
    const std::string& key = it->first.Scalar();
    if (!seen.insert(key).second) {
      error(it->first, fmt::format("duplicate key '{}' in {}", key, what),
            "remove one of them: YAML keeps only one value per key");
    }
    if (known.empty() || std::find(known.begin(), known.end(), key) != known.end())
      continue;
    if (!free_prefix.empty() && key.starts_with(free_prefix))
      continue;
    std::string suggestion = closest_match(key, known);
    std::string hint = suggestion.empty() ? fmt::format("known keys: {}", fmt::join(known, ", "))
                                          : fmt::format("did you mean '{}'?", suggestion);
    error(it->first, fmt::format("unknown key '{}' in {}", key, what), hint);
  }
  return true;
}

std::optional<std::string> YamlReader::string(const YAML::Node& node, const std::string& what) {
  if (!node.IsScalar()) {
    error(node, fmt::format("{} must be text, not {}", what, kind_name(node)));
    return std::nullopt;
  }
  return node.Scalar();
}

std::optional<bool> YamlReader::boolean(const YAML::Node& node, const std::string& what) {
  if (node.IsScalar() && is_plain(node)) {
    json value = resolve_plain_scalar(node.Scalar());
    if (value.is_boolean())
      return value.get<bool>();
  }
  error(node, fmt::format("{} must be true or false", what),
        "write true or false without quotes; yes, no, on, off and quoted values are text");
  return std::nullopt;
}

std::optional<long long> YamlReader::integer(const YAML::Node& node, const std::string& what) {
  if (node.IsScalar() && is_plain(node)) {
    if (auto value = parse_integer(node.Scalar()))
      return value;
  }
  error(node, fmt::format("{} must be a whole number", what));
  return std::nullopt;
}

std::optional<double> YamlReader::duration(const YAML::Node& node, const std::string& what) {
  static const re2::RE2 pattern("([0-9]+(?:\\.[0-9]+)?)\\s*(ms|s|m|h)?");
  std::string number;
  std::string unit;
  std::string text = node.IsScalar() ? node.Scalar() : std::string();
  double amount = 0;
  bool valid = node.IsScalar() && re2::RE2::FullMatch(text, pattern, &number, &unit);
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

std::optional<uint64_t> YamlReader::size(const YAML::Node& node, const std::string& what) {
  static const re2::RE2 pattern("([0-9]{1,12})\\s*(B|KB|KiB|MB|MiB|GB|GiB)?");
  std::string number;
  std::string unit;
  std::string text = node.IsScalar() ? node.Scalar() : std::string();
  if (!node.IsScalar() || !re2::RE2::FullMatch(text, pattern, &number, &unit)) {
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

std::optional<std::vector<std::string>> YamlReader::string_list(const YAML::Node& node,
                                                                const std::string& what) {
  std::vector<std::string> out;
  if (node.IsScalar()) {
    out.push_back(node.Scalar());
    return out;
  }
  if (!node.IsSequence()) {
    error(node, fmt::format("{} must be a list of text values", what));
    return std::nullopt;
  }
  for (const YAML::Node& item : node) {
    auto text = string(item, what + " item");
    if (!text)
      return std::nullopt;
    out.push_back(*text);
  }
  return out;
}

size_t yaml_node_budget(uintmax_t bytes) {
  constexpr uintmax_t kFactor = 16;
  constexpr uintmax_t kMinimum = 100'000;
  return static_cast<size_t>(std::max(kMinimum, bytes * kFactor));
}

YamlReader::YamlReader(std::string file, Diagnostics& diagnostics)
    : file_(std::move(file)), diagnostics_(diagnostics) {
  std::error_code ignored;
  const uintmax_t bytes = std::filesystem::file_size(file_, ignored);
  node_budget_ = yaml_node_budget(ignored ? 0 : bytes);
}

Template YamlReader::to_template(const YAML::Node& node) {
  Template out;
  out.location = location(node);
  out.value = convert(node, "", out);
  return out;
}

json YamlReader::convert(const YAML::Node& node, const std::string& pointer, Template& out) {
  if (node_budget_ == 0) {
    if (!budget_exceeded_) {
      budget_exceeded_ = true;
      error(node, "aliases expand the file into too many values",
            "an alias repeats its anchored value: do not nest aliases of aliases");
    }
    return nullptr;
  }
  --node_budget_;
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
    case YAML::NodeType::Scalar: {
      const std::string& text = node.Scalar();
      bool plain = is_plain(node);
      if (text.find("${") != std::string::npos)
        out.origins[pointer] = ScalarOrigin{location(node), !plain};
      return plain ? resolve_plain_scalar(text) : json(text);
    }
    case YAML::NodeType::Sequence: {
      json array = json::array();
      size_t index = 0;
      for (const YAML::Node& item : node)
        array.push_back(convert(item, pointer + "/" + std::to_string(index++), out));
      return array;
    }
    case YAML::NodeType::Map: {
      json object = json::object();
      for (auto it = node.begin(); it != node.end(); ++it) {
        if (!it->first.IsScalar()) {
          error(it->first, "mapping keys must be text");
          continue;
        }
        const std::string& key = it->first.Scalar();
        if (object.contains(key)) {
          error(it->first, fmt::format("duplicate key '{}'", key),
                "remove one of them: YAML keeps only one value per key");
        }
        std::string child = pointer + "/" + escape_pointer_token(key);
        object[key] = convert(it->second, child, out);
      }
      return object;
    }
  }
  return nullptr;
}

}  // namespace probe
