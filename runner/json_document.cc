#include "json_document.h"

#include <simdjson.h>

#include <algorithm>
#include <string_view>

namespace probe {

namespace {

using nlohmann::json;
using simdjson::dom::element;
using simdjson::dom::element_type;

json convert(element node) {
  switch (node.type()) {
    case element_type::ARRAY: {
      json list = json::array();
      for (element item : simdjson::dom::array(node))
        list.push_back(convert(item));
      return list;
    }
    case element_type::OBJECT: {
      json object = json::object();
      for (simdjson::dom::key_value_pair member : simdjson::dom::object(node))
        object[std::string(member.key)] = convert(member.value);
      return object;
    }
    case element_type::INT64: {
      const int64_t value = node.get_int64().value_unsafe();
      if (value >= 0)
        return static_cast<uint64_t>(value);
      return value;
    }
    case element_type::UINT64:
      return node.get_uint64().value_unsafe();
    case element_type::DOUBLE:
      return node.get_double().value_unsafe();
    case element_type::STRING:
      return std::string(node.get_string().value_unsafe());
    case element_type::BOOL:
      return node.get_bool().value_unsafe();
    case element_type::NULL_VALUE:
      return nullptr;
  }
  return nullptr;
}

// Unicode scalar values in valid UTF-8 text: every byte that does not continue a sequence.
uint64_t code_points(std::string_view text) {
  uint64_t count = 0;
  for (char byte : text)
    count += (static_cast<unsigned char>(byte) & 0xC0) != 0x80 ? 1 : 0;
  return count;
}

// simdjson's size() stops counting at 0xFFFFFF items; larger arrays are counted one by one.
uint64_t array_size(simdjson::dom::array items) {
  const size_t size = items.size();
  if (size < 0xFFFFFF)
    return size;
  uint64_t count = 0;
  for ([[maybe_unused]] element item : items)
    ++count;
  return count;
}

// The member named `name`, the last one when the name repeats, as nlohmann::json keeps it.
std::optional<element> member(element node, const std::string& name) {
  std::optional<element> found;
  for (simdjson::dom::key_value_pair pair : simdjson::dom::object(node)) {
    if (pair.key == name)
      found = pair.value;
  }
  return found;
}

// The names searched for, with a mask of their lengths that rules most member names out
// before any comparison.
struct NameSet {
  explicit NameSet(std::span<const std::string_view> list) : names(list) {
    for (std::string_view name : names)
      lengths |= name.size() < 64 ? uint64_t{1} << name.size() : 0;
  }
  bool contains(std::string_view key) const {
    if (key.size() < 64 && (lengths >> key.size() & 1) == 0)
      return false;
    return std::find(names.begin(), names.end(), key) != names.end();
  }
  std::span<const std::string_view> names;
  uint64_t lengths = 0;
};

// Descends only into objects and lists, so a scalar member costs one type check.
void visit_members(element node, const NameSet& names, int depth,
                   const std::function<void(std::string_view)>& visit) {
  auto descend = [&](element child) {
    const element_type type = child.type();
    if ((type == element_type::OBJECT || type == element_type::ARRAY) && depth > 0)
      visit_members(child, names, depth - 1, visit);
    return type;
  };
  if (node.type() == element_type::ARRAY) {
    for (element item : simdjson::dom::array(node))
      descend(item);
    return;
  }
  for (simdjson::dom::key_value_pair member : simdjson::dom::object(node)) {
    if (descend(member.value) == element_type::STRING && names.contains(member.key))
      visit(member.value.get_string().value_unsafe());
  }
}

}  // namespace

struct JsonDocument::Parsed {
  simdjson::dom::parser parser;
  element root;
};

namespace {

// A parser's buffers grow with the largest document it has read. A thread keeps the parser of
// its last document for the next one, so that each body does not allocate buffers of over ten
// times its size and touch them fresh. Parsers that grew past this size are freed instead.
constexpr size_t kMaxKeptCapacity = 4 << 20;

// The parser kept by the current thread. Reset when the thread ends; the flag outlives it, so a
// document destroyed later frees its parser instead of keeping it.
struct KeptParser {
  ~KeptParser();
  std::unique_ptr<JsonDocument::Parsed> parsed;
};
thread_local bool t_kept_parser_gone = false;
thread_local KeptParser t_kept_parser;

KeptParser::~KeptParser() {
  t_kept_parser_gone = true;
}

}  // namespace

JsonDocument::JsonDocument(std::unique_ptr<Parsed> parsed) : parsed_(std::move(parsed)) {}

JsonDocument::~JsonDocument() {
  if (parsed_ && !t_kept_parser_gone && parsed_->parser.capacity() <= kMaxKeptCapacity)
    t_kept_parser.parsed = std::move(parsed_);
}

std::unique_ptr<JsonDocument> JsonDocument::parse(const std::string& text) {
  std::unique_ptr<Parsed> parsed;
  if (!t_kept_parser_gone && t_kept_parser.parsed)
    parsed = std::move(t_kept_parser.parsed);
  else
    parsed = std::make_unique<Parsed>();
  if (parsed->parser.parse(text).get(parsed->root) != simdjson::SUCCESS) {
    if (!t_kept_parser_gone)
      t_kept_parser.parsed = std::move(parsed);
    return nullptr;
  }
  return std::unique_ptr<JsonDocument>(new JsonDocument(std::move(parsed)));
}

json JsonDocument::to_json() const {
  return convert(parsed_->root);
}

std::optional<SelectedNode> JsonDocument::select(const std::vector<JsonPath::SingularStep>& steps,
                                                 bool want_length) const {
  element node = parsed_->root;
  for (const JsonPath::SingularStep& step : steps) {
    if (!step.is_index) {
      if (node.type() != element_type::OBJECT)
        return std::nullopt;
      std::optional<element> found = member(node, step.name);
      if (!found)
        return std::nullopt;
      node = *found;
      continue;
    }
    if (node.type() != element_type::ARRAY)
      return std::nullopt;
    simdjson::dom::array items(node);
    const auto size = static_cast<int64_t>(array_size(items));
    const int64_t index = step.index >= 0 ? step.index : size + step.index;
    if (index < 0 || index >= size)
      return std::nullopt;
    node = items.at(static_cast<size_t>(index)).value_unsafe();
  }

  SelectedNode selected;
  if (want_length) {
    switch (node.type()) {
      case element_type::ARRAY:
        selected.length = array_size(simdjson::dom::array(node));
        return selected;
      case element_type::OBJECT:
        // Converted, because duplicate member names count once, as in nlohmann::json.
        selected.length = convert(node).size();
        return selected;
      case element_type::STRING:
        selected.length = code_points(node.get_string().value_unsafe());
        return selected;
      default:
        break;
    }
  }
  selected.value = convert(node);
  return selected;
}

void JsonDocument::visit_string_members(
    std::span<const std::string_view> names, int max_depth,
    const std::function<void(std::string_view value)>& visit) const {
  const element_type type = parsed_->root.type();
  if (type == element_type::OBJECT || type == element_type::ARRAY)
    visit_members(parsed_->root, NameSet(names), max_depth, visit);
}

}  // namespace probe
