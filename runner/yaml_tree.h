// A read-only YAML document built from libyaml's event stream, and the handle that reads it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "diagnostic.h"

namespace probe {

// The number of values (nodes visited, aliases expanded, merged keys) a YAML file of `bytes` may
// yield. Without aliases a file yields fewer values than it has bytes, so a multiple of its size
// leaves room for anchors reused many times but stops alias bombs.
size_t yaml_node_budget(uintmax_t bytes);

namespace yaml {

enum class Kind : uint8_t { undefined, null, scalar, sequence, map };

// A position in the text, 0-based.
struct Mark {
  int line = -1;
  int column = -1;
};

namespace detail {

struct NodeData;

struct EntryData {
  const NodeData* key;
  const NodeData* value;
};

// One node in the document's arena. Scalars point into the arena's copy of their text;
// collections point at an arena array of their items or entries.
struct NodeData {
  union {
    const char* text = nullptr;
    const NodeData* const* items;
    const EntryData* entries;
  };
  // The text's length for a scalar, the number of items or entries for a collection.
  uint32_t size = 0;
  uint32_t line = 0;
  uint32_t column = 0;
  Kind kind = Kind::null;
  bool plain = false;
  // Set while the builder is still reading the node's items.
  bool open = false;
  // The tag as written after resolving its handle, or null when the node has none.
  const std::string_view* tag = nullptr;
};

}  // namespace detail

class Document;

// A handle to one node of a document; it keeps the document alive. A default-constructed handle,
// or one returned for a missing key, is undefined.
class Node {
 public:
  class Iterator;
  class Entries;

  Node() = default;

  Kind kind() const { return data_ ? data_->kind : Kind::undefined; }
  explicit operator bool() const { return data_ != nullptr; }
  bool is_map() const { return kind() == Kind::map; }
  bool is_sequence() const { return kind() == Kind::sequence; }
  bool is_scalar() const { return kind() == Kind::scalar; }
  bool is_null() const { return kind() == Kind::null; }

  // The text of a scalar; empty for any other kind.
  std::string_view scalar() const {
    return is_scalar() ? std::string_view(data_->text, data_->size) : std::string_view();
  }
  // True for a scalar written without quotes, block indicator or tag, whose type the core
  // schema decides. A null node written as ~, null or nothing is plain too.
  bool plain() const { return data_ != nullptr && data_->plain; }
  // The tag as given (with its handle resolved, so !!str is tag:yaml.org,2002:str), or empty.
  std::string_view tag() const { return data_ && data_->tag ? *data_->tag : std::string_view(); }
  // Returns where the node starts: at its anchor or tag when it has one, {-1, -1} when undefined.
  Mark mark() const {
    return data_ ? Mark{static_cast<int>(data_->line), static_cast<int>(data_->column)} : Mark{};
  }

  // The value of the first entry whose key is the scalar `key`; undefined when there is none or
  // this is not a mapping.
  Node operator[](std::string_view key) const;

  // The number of items of a sequence or entries of a mapping; 0 for any other kind.
  size_t size() const { return is_map() || is_sequence() ? data_->size : 0; }

  // The items of a sequence; nothing for any other kind.
  Iterator begin() const;
  Iterator end() const;

  // The key/value pairs of a mapping in the order written (merged keys last); nothing for any
  // other kind.
  Entries entries() const;

  // True when both handles refer to the same node, as an alias and its anchor do.
  bool same(const Node& other) const { return data_ == other.data_; }

 private:
  friend class Document;
  friend class Iterator;
  friend class Entries;
  Node(std::shared_ptr<const Document> document, const detail::NodeData* data)
      : document_(std::move(document)), data_(data) {}

  std::shared_ptr<const Document> document_;
  const detail::NodeData* data_ = nullptr;
};

class Node::Iterator {
 public:
  using iterator_category = std::forward_iterator_tag;
  using value_type = Node;
  using difference_type = std::ptrdiff_t;

  Iterator() = default;
  Iterator(const Node* parent, size_t index) : parent_(parent), index_(index) {}
  Node operator*() const { return Node(parent_->document_, parent_->data_->items[index_]); }
  Iterator& operator++() {
    ++index_;
    return *this;
  }
  bool operator==(const Iterator& other) const { return index_ == other.index_; }

 private:
  const Node* parent_ = nullptr;
  size_t index_ = 0;
};

class Node::Entries {
 public:
  class Iterator {
   public:
    Iterator(const Node* map, size_t index) : map_(map), index_(index) {}
    std::pair<Node, Node> operator*() const {
      const detail::EntryData& entry = map_->data_->entries[index_];
      return {Node(map_->document_, entry.key), Node(map_->document_, entry.value)};
    }
    Iterator& operator++() {
      ++index_;
      return *this;
    }
    bool operator==(const Iterator& other) const { return index_ == other.index_; }

   private:
    const Node* map_;
    size_t index_;
  };

  explicit Entries(Node map) : map_(std::move(map)) {}
  Iterator begin() const { return {&map_, 0}; }
  Iterator end() const { return {&map_, map_.is_map() ? map_.data_->size : 0}; }
  size_t size() const { return map_.is_map() ? map_.size() : 0; }

 private:
  Node map_;
};

inline Node::Iterator Node::begin() const {
  return {this, 0};
}

inline Node::Iterator Node::end() const {
  return {this, is_sequence() ? data_->size : 0};
}

inline Node::Entries Node::entries() const {
  return Entries(*this);
}

// Parses the first document of `text`. Aliases share their anchored node; merge keys
// (`<<: *a`, `<<: [*a, *b]`) are applied as the YAML 1.1 merge type defines them. A syntax
// error, an undefined or self-referring alias, a merge of something other than a mapping or
// nesting deeper than the limit is a diagnostic located in `file`. A text without a document
// yields an undefined node.
std::expected<Node, Diagnostic> parse_yaml(std::string_view text, const std::string& file);

// The maximum nesting depth of collections. The readers walk the tree recursively, so the builder
// stops here rather than let a hostile file exhaust the stack.
constexpr size_t kMaxDepth = 256;

}  // namespace yaml
}  // namespace probe
