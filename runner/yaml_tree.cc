#include "yaml_tree.h"

#include <fmt/format.h>
#include <yaml.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace probe {

size_t yaml_node_budget(uintmax_t bytes) {
  constexpr uintmax_t kFactor = 16;
  constexpr uintmax_t kMinimum = 100'000;
  return static_cast<size_t>(std::max(kMinimum, bytes * kFactor));
}

namespace yaml {

using detail::EntryData;
using detail::NodeData;

// Owns every node, string and child array of one parsed file, in a few large blocks.
class Document {
 public:
  Document() = default;
  Document(const Document&) = delete;
  Document& operator=(const Document&) = delete;

  template <typename T>
  T* allocate(size_t count) {
    static_assert(std::is_trivially_destructible_v<T>);
    return static_cast<T*>(allocate_bytes(sizeof(T) * count, alignof(T)));
  }

  NodeData* new_node() { return new (allocate<NodeData>(1)) NodeData(); }

  static Node handle(std::shared_ptr<const Document> document, const NodeData* data) {
    return data == nullptr ? Node() : Node(std::move(document), data);
  }

  const char* copy_text(const char* text, size_t size) {
    if (size == 0)
      return "";
    char* out = allocate<char>(size);
    std::memcpy(out, text, size);
    return out;
  }

 private:
  static constexpr size_t kBlockSize = 256 * 1024;

  void* allocate_bytes(size_t size, size_t align) {
    size_t padding = (align - reinterpret_cast<uintptr_t>(next_) % align) % align;
    if (next_ == nullptr || padding + size > left_) {
      size_t block = std::max(kBlockSize, size + align);
      blocks_.push_back(std::make_unique<std::byte[]>(block));
      next_ = blocks_.back().get();
      left_ = block;
      padding = (align - reinterpret_cast<uintptr_t>(next_) % align) % align;
    }
    std::byte* out = next_ + padding;
    next_ = out + size;
    left_ -= padding + size;
    return out;
  }

  std::vector<std::unique_ptr<std::byte[]>> blocks_;
  std::byte* next_ = nullptr;
  size_t left_ = 0;
};

Node Node::operator[](std::string_view key) const {
  if (!is_map())
    return {};
  for (uint32_t i = 0; i < data_->size; ++i) {
    const EntryData& entry = data_->entries[i];
    if (entry.key->kind == Kind::scalar &&
        std::string_view(entry.key->text, entry.key->size) == key)
      return Node(document_, entry.value);
  }
  return {};
}

namespace {

// Plain scalars that yaml-cpp and the YAML core schema read as null. They become null nodes,
// so that a key written `name:` or `name: ~` is "nothing" rather than text.
bool is_null_text(std::string_view text) {
  return text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL";
}

std::string_view to_view(const yaml_char_t* text) {
  return text == nullptr ? std::string_view()
                         : std::string_view(reinterpret_cast<const char*>(text));
}

// Frees libyaml's parser and event however the builder leaves.
struct Parser {
  yaml_parser_t parser;
  yaml_event_t event;
  bool has_event = false;

  Parser() { yaml_parser_initialize(&parser); }
  ~Parser() {
    clear_event();
    yaml_parser_delete(&parser);
  }
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  bool next() {
    clear_event();
    has_event = yaml_parser_parse(&parser, &event) != 0;
    return has_event;
  }
  void clear_event() {
    if (has_event)
      yaml_event_delete(&event);
    has_event = false;
  }
};

class Builder {
 public:
  // `spaces` lists the spaces inserted into `text` after a colon, in the order inserted, each at
  // its position in the text as it was then.
  Builder(std::string_view text, const std::string& file, size_t budget,
          const std::vector<yaml_mark_t>& spaces)
      : text_(text), file_(file), budget_(budget), spaces_(spaces) {}

  // After a syntax error: the offset of a colon that libyaml rejected because a flow indicator
  // follows it, as in `{id:}`. YAML 1.2 reads that as a key with no value, as `{id: }` is.
  std::optional<size_t> colon_to_separate() const { return colon_to_separate_; }

  std::expected<Node, Diagnostic> build() {
    document_ = std::make_shared<Document>();
    yaml_parser_set_input_string(
        &parser_.parser, reinterpret_cast<const unsigned char*>(text_.data()), text_.size());
    bool first_document_ended = false;
    while (true) {
      if (!parser_.next())
        return std::unexpected(syntax_error());
      const yaml_event_t& event = parser_.event;
      switch (event.type) {
        case YAML_STREAM_START_EVENT:
        case YAML_NO_EVENT:
          break;
        case YAML_STREAM_END_EVENT:
          return first_document_ended ? Document::handle(document_, root_) : Node();
        case YAML_DOCUMENT_START_EVENT:
          if (first_document_ended) {
            return std::unexpected(located(
                event.start_mark, "the file holds more than one YAML document",
                "a suite or site file is one document: remove this '---' line, or move what "
                "follows it to a file of its own"));
          }
          break;
        case YAML_DOCUMENT_END_EVENT:
          // The rest of the file is still read, so that a second document is an error rather
          // than text silently left out.
          first_document_ended = true;
          break;
        case YAML_ALIAS_EVENT: {
          const std::string_view name = to_view(event.data.alias.anchor);
          auto anchored = anchors_.find(std::string(name));
          if (anchored == anchors_.end()) {
            return std::unexpected(located(event.start_mark,
                                           fmt::format("undefined alias '*{}'", name),
                                           fmt::format("define the anchor '&{}' before the alias "
                                                       "that repeats it",
                                                       name)));
          }
          if (anchored->second->open) {
            return std::unexpected(
                located(event.start_mark,
                        fmt::format("alias '*{}' refers to a node that contains it", name),
                        "an anchored node must not contain an alias of itself"));
          }
          if (auto problem = add(anchored->second, event.start_mark))
            return std::unexpected(std::move(*problem));
          break;
        }
        case YAML_SCALAR_EVENT: {
          NodeData* node = start_node(event.start_mark, event.data.scalar.tag);
          std::string_view text(reinterpret_cast<const char*>(event.data.scalar.value),
                                event.data.scalar.length);
          node->plain = event.data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
                        event.data.scalar.tag == nullptr;
          if (node->plain && is_null_text(text)) {
            node->kind = Kind::null;
          } else {
            if (text.size() > std::numeric_limits<uint32_t>::max())
              return std::unexpected(located(event.start_mark, "the scalar is too long", {}));
            node->kind = Kind::scalar;
            node->text = document_->copy_text(text.data(), text.size());
            node->size = static_cast<uint32_t>(text.size());
          }
          anchor(node, event.data.scalar.anchor);
          if (auto problem = add(node, event.start_mark))
            return std::unexpected(std::move(*problem));
          break;
        }
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT: {
          const bool map = event.type == YAML_MAPPING_START_EVENT;
          if (stack_.size() >= kMaxDepth) {
            return std::unexpected(located(
                event.start_mark, fmt::format("the YAML nests more than {} levels deep", kMaxDepth),
                "flatten the nesting"));
          }
          NodeData* node = start_node(
              event.start_mark, map ? event.data.mapping_start.tag : event.data.sequence_start.tag);
          node->kind = map ? Kind::map : Kind::sequence;
          node->open = true;
          anchor(node, map ? event.data.mapping_start.anchor : event.data.sequence_start.anchor);
          stack_.push_back({node, children_.size(), false});
          break;
        }
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT: {
          const NodeData* done = nullptr;
          if (auto problem = finish(done))
            return std::unexpected(std::move(*problem));
          if (auto problem = add(done, event.start_mark))
            return std::unexpected(std::move(*problem));
          break;
        }
      }
    }
  }

 private:
  struct Frame {
    NodeData* node;
    size_t first_child;
    bool has_merge_key;
  };

  // A position in the text as written, before any inserted space.
  yaml_mark_t as_written(yaml_mark_t mark) const {
    for (auto space = spaces_.rbegin(); space != spaces_.rend(); ++space) {
      if (mark.line == space->line && mark.column > space->column)
        --mark.column;
    }
    return mark;
  }

  Diagnostic located(yaml_mark_t mark, std::string message, std::string hint) const {
    mark = as_written(mark);
    return Diagnostic{{file_, static_cast<int>(mark.line) + 1, static_cast<int>(mark.column) + 1},
                      std::move(message),
                      std::move(hint)};
  }

  Diagnostic syntax_error() {
    const yaml_parser_t& parser = parser_.parser;
    if (parser.error == YAML_MEMORY_ERROR)
      return Diagnostic{{file_, 0, 0}, "the file is too large to read", {}};
    std::string problem = parser.problem ? parser.problem : "unreadable text";
    yaml_mark_t mark = parser.problem_mark;
    if (parser.error == YAML_READER_ERROR) {
      // Bytes that are not UTF-8, or control characters: libyaml gives an offset, not a line.
      mark = position_of(parser.problem_offset);
      if (parser.problem_value >= 0)
        problem += fmt::format(" (byte 0x{:02X})", parser.problem_value);
    } else if (std::string_view(parser.problem) == "found unexpected ':'") {
      const size_t offset = byte_offset(parser.problem_mark.index);
      if (offset + 1 < text_.size() && text_[offset] == ':')
        colon_to_separate_ = offset;
    }
    std::string hint = "fix the YAML syntax at this position";
    const size_t offset = byte_offset(mark.index);
    if (parser.error != YAML_READER_ERROR && offset < text_.size() && text_[offset] == '\t')
      hint = "indent with spaces: YAML does not allow tabs here";
    // The context helps when it starts elsewhere, such as the line that opened a flow mapping.
    if (parser.error != YAML_READER_ERROR && parser.context != nullptr &&
        parser.context_mark.line != parser.problem_mark.line) {
      // A quote or bracket left open is found only at the end of the file: point at its start.
      if (std::string_view(problem).find("end of stream") != std::string_view::npos) {
        mark = parser.context_mark;
        std::string_view opened = parser.context;  // "while scanning a quoted scalar"
        for (std::string_view prefix : {"while scanning ", "while parsing "}) {
          if (opened.starts_with(prefix))
            opened.remove_prefix(prefix.size());
        }
        problem = fmt::format("{} is never closed", opened);
        hint = "close it, or quote the value if the character belongs to it";
      } else {
        problem += fmt::format(" ({} that starts at line {})", parser.context,
                               parser.context_mark.line + 1);
      }
    }
    return located(mark, fmt::format("invalid YAML: {}", problem), hint);
  }

  // The byte offset of the character at `index`; libyaml counts characters.
  size_t byte_offset(size_t index) const {
    size_t offset = 0;
    for (size_t characters = 0; offset < text_.size(); ++offset) {
      if ((static_cast<unsigned char>(text_[offset]) & 0xC0) == 0x80)
        continue;
      if (characters++ == index)
        break;
    }
    return offset;
  }

  yaml_mark_t position_of(size_t offset) const {
    yaml_mark_t mark{};
    offset = std::min(offset, text_.size());
    for (size_t i = 0; i < offset; ++i) {
      if (text_[i] == '\n') {
        ++mark.line;
        mark.column = 0;
      } else if ((static_cast<unsigned char>(text_[i]) & 0xC0) != 0x80) {
        ++mark.column;
      }
    }
    return mark;
  }

  NodeData* start_node(const yaml_mark_t& mark, const yaml_char_t* tag) {
    NodeData* node = document_->new_node();
    const yaml_mark_t written = as_written(mark);
    node->line = static_cast<uint32_t>(written.line);
    node->column = static_cast<uint32_t>(written.column);
    if (tag != nullptr) {
      std::string_view text = to_view(tag);
      auto* view = document_->allocate<std::string_view>(1);
      *view = std::string_view(document_->copy_text(text.data(), text.size()), text.size());
      node->tag = view;
    }
    return node;
  }

  void anchor(const NodeData* node, const yaml_char_t* name) {
    if (name != nullptr)
      anchors_[std::string(to_view(name))] = node;  // a later anchor of the same name wins
  }

  static bool is_merge_key(const NodeData* key) {
    return key->kind == Kind::scalar && std::string_view(key->text, key->size) == "<<" &&
           (key->plain || (key->tag != nullptr && *key->tag == "tag:yaml.org,2002:merge"));
  }

  // Adds a finished node to the collection being read.
  std::optional<Diagnostic> add(const NodeData* node, const yaml_mark_t& mark) {
    if (stack_.empty()) {
      root_ = node;
      return std::nullopt;
    }
    Frame& frame = stack_.back();
    if (frame.node->kind == Kind::map && (children_.size() - frame.first_child) % 2 == 0 &&
        is_merge_key(node)) {
      frame.has_merge_key = true;
    }
    children_.push_back(node);
    if (children_.size() - frame.first_child > std::numeric_limits<uint32_t>::max())
      return located(mark, "the collection has too many items", {});
    return std::nullopt;
  }

  // Closes the innermost collection: its children move into the arena.
  std::optional<Diagnostic> finish(const NodeData*& out) {
    Frame frame = stack_.back();
    stack_.pop_back();
    NodeData* node = frame.node;
    const size_t count = children_.size() - frame.first_child;
    const NodeData* const* first = children_.data() + frame.first_child;
    if (node->kind == Kind::sequence) {
      auto* items = document_->allocate<const NodeData*>(count);
      std::copy(first, first + count, items);
      node->items = items;
      node->size = static_cast<uint32_t>(count);
    } else if (frame.has_merge_key) {
      if (auto problem = merge(node, first, count / 2))
        return problem;
    } else {
      auto* entries = document_->allocate<EntryData>(count / 2);
      for (size_t i = 0; i < count / 2; ++i)
        entries[i] = {first[2 * i], first[2 * i + 1]};
      node->entries = entries;
      node->size = static_cast<uint32_t>(count / 2);
    }
    children_.resize(frame.first_child);
    node->open = false;
    out = node;
    return std::nullopt;
  }

  // Applies the merge keys of a mapping: keys written in the mapping win over merged ones, and an
  // earlier mapping in a merge list wins over a later one. Merged entries keep their nodes, so
  // errors about them point into the anchored mapping they came from.
  std::optional<Diagnostic> merge(NodeData* node, const NodeData* const* children, size_t pairs) {
    std::vector<EntryData> result;
    std::vector<const NodeData*> sources;
    const NodeData* merge_key = nullptr;
    for (size_t i = 0; i < pairs; ++i) {
      const NodeData* key = children[2 * i];
      const NodeData* value = children[2 * i + 1];
      if (!is_merge_key(key)) {
        result.push_back({key, value});
        continue;
      }
      if (merge_key != nullptr) {
        return Diagnostic{
            {file_, static_cast<int>(key->line) + 1, static_cast<int>(key->column) + 1},
            "duplicate key '<<'",
            "merge several mappings with one key: '<<: [*first, *second]'"};
      }
      merge_key = key;
      if (value->kind == Kind::sequence) {
        sources.insert(sources.end(), value->items, value->items + value->size);
      } else {
        sources.push_back(value);
      }
    }
    std::unordered_set<std::string_view> keys;
    for (const EntryData& entry : result) {
      if (entry.key->kind == Kind::scalar)
        keys.emplace(entry.key->text, entry.key->size);
    }
    for (const NodeData* source : sources) {
      if (source->kind != Kind::map) {
        return Diagnostic{
            {file_, static_cast<int>(source->line) + 1, static_cast<int>(source->column) + 1},
            "'<<' merges only mappings",
            "write '<<: *anchor' or '<<: [*first, *second]' where each anchor "
            "names a mapping"};
      }
      for (uint32_t i = 0; i < source->size; ++i) {
        if (budget_ == 0) {
          return Diagnostic{
              {file_, static_cast<int>(node->line) + 1, static_cast<int>(node->column) + 1},
              "aliases expand the file into too many values",
              "an alias repeats its anchored value: do not nest aliases of aliases"};
        }
        --budget_;
        const EntryData& entry = source->entries[i];
        if (entry.key->kind != Kind::scalar ||
            !keys.emplace(entry.key->text, entry.key->size).second)
          continue;
        result.push_back(entry);
      }
    }
    auto* entries = document_->allocate<EntryData>(result.size());
    std::copy(result.begin(), result.end(), entries);
    node->entries = entries;
    node->size = static_cast<uint32_t>(result.size());
    return std::nullopt;
  }

  std::string_view text_;
  const std::string& file_;
  size_t budget_;
  const std::vector<yaml_mark_t>& spaces_;
  std::optional<size_t> colon_to_separate_;
  Parser parser_;
  std::shared_ptr<Document> document_;
  std::vector<Frame> stack_;
  // The finished children of every open collection, innermost last; a mapping's alternate
  // between keys and values.
  std::vector<const NodeData*> children_;
  std::unordered_map<std::string, const NodeData*> anchors_;
  const NodeData* root_ = nullptr;
};

}  // namespace

std::expected<Node, Diagnostic> parse_yaml(std::string_view text, const std::string& file) {
  // libyaml follows YAML 1.1 in rejecting `{id:}` and `[a:]`, which YAML 1.2 and yaml-cpp read as
  // a key with no value. Each such colon gets a space after it and the text is parsed again; the
  // marks are moved back to the text as written.
  // NOTE: each space costs a parse of the whole file, so only the first kMaxSpaces are inserted.
  // A file with more gets the error and a hint to write the spaces.
  constexpr size_t kMaxSpaces = 16;
  const size_t budget = yaml_node_budget(text.size());
  std::vector<yaml_mark_t> spaces;
  std::string spaced;
  while (true) {
    Builder builder(text, file, budget, spaces);
    auto root = builder.build();
    std::optional<size_t> colon = builder.colon_to_separate();
    if (root || !colon)
      return root;
    if (spaces.size() == kMaxSpaces) {
      root.error().hint = "write a space after the ':' of a key without a value, as in {id: }";
      return root;
    }
    if (spaced.empty())
      spaced.assign(text);
    spaced.insert(*colon + 1, 1, ' ');
    text = spaced;
    yaml_mark_t space{};
    for (size_t i = 0; i <= *colon; ++i) {
      if (spaced[i] == '\n') {
        ++space.line;
        space.column = 0;
      } else if ((static_cast<unsigned char>(spaced[i]) & 0xC0) != 0x80) {
        ++space.column;
      }
    }
    spaces.push_back(space);
  }
}

}  // namespace yaml
}  // namespace probe
