#include "template.h"

#include <fmt/format.h>

#include <cstdlib>
#include <vector>

namespace probe {

namespace {

using nlohmann::json;

static_assert(kMaxExpandedBytes == size_t{1} << 20, "expansion_too_large() says 1 MiB");

// Variable chains deeper than this are treated as a cycle.
constexpr int kMaxDepth = 32;

struct Piece {
  bool is_reference = false;
  std::string text;  // literal text, or the variable name
};

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
}

std::expected<std::vector<Piece>, std::string> split(const std::string& text) {
  std::vector<Piece> pieces;
  std::string literal;
  size_t i = 0;
  while (i < text.size()) {
    if (text.compare(i, 3, "$${") == 0) {
      literal += "${";
      i += 3;
      continue;
    }
    if (text.compare(i, 2, "${") != 0) {
      literal += text[i++];
      continue;
    }
    size_t close = text.find('}', i + 2);
    if (close == std::string::npos)
      return std::unexpected(fmt::format("unterminated '${{' in \"{}\"", text));
    std::string name = text.substr(i + 2, close - i - 2);
    bool valid = !name.empty() && !std::isdigit(static_cast<unsigned char>(name[0]));
    for (char c : name)
      valid = valid && is_name_char(c);
    if (!valid) {
      return std::unexpected(fmt::format(
          "invalid variable reference '${{{}}}': names use letters, digits, '_', '-' and '.'",
          name));
    }
    if (!literal.empty())
      pieces.push_back({false, std::move(literal)});
    literal.clear();
    pieces.push_back({true, std::move(name)});
    i = close + 1;
  }
  if (!literal.empty())
    pieces.push_back({false, std::move(literal)});
  return pieces;
}

std::string as_text(const json& value) {
  if (value.is_string())
    return value.get<std::string>();
  return value.dump();
}

class Expander {
 public:
  explicit Expander(const Scope& scope) : scope_(scope) {}

  std::expected<json, Diagnostic> expand_value(const json& value, const std::string& pointer,
                                               const Template& origin, int depth) {
    if (value.is_string())
      return expand_string(value.get_ref<const std::string&>(), pointer, origin, depth);
    if (value.is_array()) {
      json out = json::array();
      for (size_t i = 0; i < value.size(); ++i) {
        auto item = expand_value(value[i], pointer + "/" + std::to_string(i), origin, depth);
        if (!item)
          return item;
        out.push_back(std::move(*item));
      }
      return out;
    }
    if (value.is_object()) {
      json out = json::object();
      for (const auto& [key, item] : value.items()) {
        std::string child = pointer + "/" + escape_pointer_token(key);
        auto expanded = expand_value(item, child, origin, depth);
        if (!expanded)
          return expanded;
        out[key] = std::move(*expanded);
      }
      return out;
    }
    return value;
  }

 private:
  std::expected<json, Diagnostic> expand_string(const std::string& text, const std::string& pointer,
                                                const Template& origin, int depth) {
    if (text.find("${") == std::string::npos)
      return text;
    ScalarOrigin where{origin.location, false};
    if (auto found = origin.origins.find(pointer); found != origin.origins.end())
      where = found->second;

    auto pieces = split(text);
    if (!pieces)
      return std::unexpected(Diagnostic{where.location, pieces.error(), {}});

    if (pieces->size() == 1 && (*pieces)[0].is_reference && !where.quoted)
      return resolve((*pieces)[0].text, where.location, depth);

    std::string out;
    for (const Piece& piece : *pieces) {
      if (!piece.is_reference) {
        if (!append_bounded(out, piece.text))
          return std::unexpected(expansion_too_large(where.location, current_variable()));
        continue;
      }
      auto value = resolve(piece.text, where.location, depth);
      if (!value)
        return value;
      if (!append_bounded(out, as_text(*value)))
        return std::unexpected(expansion_too_large(where.location, current_variable()));
    }
    return out;
  }

  // Appends `text` unless `out` would grow beyond kMaxExpandedBytes.
  static bool append_bounded(std::string& out, const std::string& text) {
    if (text.size() > kMaxExpandedBytes - out.size())
      return false;
    out += text;
    return true;
  }

  std::string current_variable() const {
    return expanding_.empty() ? std::string() : expanding_.back();
  }

  std::expected<json, Diagnostic> resolve(const std::string& name, const SourceLocation& used_at,
                                          int depth) {
    if (name.starts_with("env.")) {
      const char* value = std::getenv(name.c_str() + 4);
      if (value != nullptr)
        return std::string(value);
      return std::unexpected(
          Diagnostic{used_at, fmt::format("environment variable '{}' is not set", name.substr(4)),
                     fmt::format("export {} before the run", name.substr(4))});
    }

    const Binding* binding = scope_.find(name);
    if (binding == nullptr) {
      return std::unexpected(Diagnostic{
          used_at, fmt::format("undefined variable '{}'", name),
          fmt::format("define '{}' under 'variables:' in the suite or site file, pass --var "
                      "{}=VALUE, or capture it in an earlier step",
                      name, name)});
    }
    if (!binding->is_template)
      return binding->value;

    if (depth >= kMaxDepth) {
      return std::unexpected(Diagnostic{
          binding->location, fmt::format("variable '{}' is defined in terms of itself", name),
          "break the cycle between the variables that reference each other"});
    }
    Template nested{binding->value, binding->location, binding->origins};
    expanding_.push_back(name);
    auto expanded = expand_value(binding->value, "", nested, depth + 1);
    expanding_.pop_back();
    return expanded;
  }

  const Scope& scope_;
  // The variables whose values are being expanded, innermost last.
  std::vector<std::string> expanding_;
};

}  // namespace

void Scope::set(const std::string& name, Binding binding) {
  bindings_.insert_or_assign(name, std::move(binding));
}

const Binding* Scope::find(const std::string& name) const {
  for (const Scope* scope = this; scope != nullptr; scope = scope->parent_) {
    if (auto found = scope->bindings_.find(name); found != scope->bindings_.end())
      return &found->second;
  }
  return nullptr;
}

std::expected<json, Diagnostic> expand(const Template& input, const Scope& scope) {
  Expander expander(scope);
  return expander.expand_value(input.value, "", input, 0);
}

std::expected<std::string, Diagnostic> expand_text(const Template& input, const Scope& scope) {
  auto value = expand(input, scope);
  if (!value)
    return std::unexpected(value.error());
  if (value->is_object() || value->is_array()) {
    return std::unexpected(
        Diagnostic{input.location, "expected a text value here, not a list or a mapping", {}});
  }
  if (value->is_null())
    return std::string();
  return as_text(*value);
}

std::string escape_pointer_token(const std::string& token) {
  std::string out;
  for (char c : token) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

Diagnostic expansion_too_large(const SourceLocation& where, const std::string& variable) {
  std::string subject =
      variable.empty() ? std::string("the value") : fmt::format("variable '{}'", variable);
  return Diagnostic{where, fmt::format("{} expands to more than 1 MiB", subject),
                    "shorten the value or the variables it refers to, because text built from "
                    "variables may hold at most 1 MiB"};
}

std::expected<References, std::string> parse_references(const std::string& text) {
  auto pieces = split(text);
  if (!pieces)
    return std::unexpected(pieces.error());
  References references;
  references.lone_reference = pieces->size() == 1 && (*pieces)[0].is_reference;
  for (const Piece& piece : *pieces) {
    if (!piece.is_reference)
      references.literal_bytes += piece.text.size();
    else if (!piece.text.starts_with("env."))
      references.names.push_back(piece.text);
  }
  return references;
}

std::expected<std::vector<std::string>, std::string> referenced_variables(const std::string& text) {
  auto references = parse_references(text);
  if (!references)
    return std::unexpected(references.error());
  return std::move(references->names);
}

}  // namespace probe
