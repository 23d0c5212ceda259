#include "file_tree.h"

#include <sstream>

namespace probe::sim {
namespace {

using nlohmann::json;

// Directories report the size of one filesystem block, as `ls -l` on Linux does.
constexpr std::int64_t kDirectorySize = 4096;

std::string parent_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash);
}

// Returns `base` joined with a relative path, where either may be "" (the root, or the entry
// itself).
std::string join_path(const std::string& base, const std::string& relative) {
  if (base.empty()) {
    return relative;
  }
  return relative.empty() ? base : base + "/" + relative;
}

bool is_below(const std::string& path, const std::string& ancestor) {
  return ancestor.empty() ? !path.empty() : path.starts_with(ancestor + "/");
}

// Formats `time` as Java's Instant.toString() does for whole seconds: 2025-01-15T10:00:00Z.
std::string format_instant(SystemTime time) {
  std::string text = format_iso_utc(time);
  return text.substr(0, text.size() - std::string_view("+00:00").size()) + "Z";
}

}  // namespace

std::int64_t FileNode::size() const {
  return is_dir || !content ? kDirectorySize : static_cast<std::int64_t>(content->size());
}

std::optional<std::string> normalize_path(const std::string& path) {
  std::vector<std::string> parts;
  std::istringstream stream(path);
  std::string part;
  while (std::getline(stream, part, '/')) {
    if (part.empty() || part == ".") {
      continue;
    }
    if (part == "..") {
      if (parts.empty()) {
        return std::nullopt;
      }
      parts.pop_back();
      continue;
    }
    parts.push_back(part);
  }

  std::string normalized;
  for (const auto& segment : parts) {
    normalized += normalized.empty() ? segment : "/" + segment;
  }
  return normalized;
}

std::string base_name(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

const FileNode* FileTree::find(const std::string& path) const {
  static const FileNode kRoot{true, nullptr, SystemTime{}};
  if (path.empty()) {
    return &kRoot;
  }
  auto found = nodes_.find(path);
  return found == nodes_.end() ? nullptr : &found->second;
}

std::vector<std::string> FileTree::children(const std::string& path) const {
  std::vector<std::string> entries;
  for (const auto& [entry_path, node] : nodes_) {
    if (parent_of(entry_path) == path) {
      entries.push_back(entry_path);
    }
  }
  return entries;
}

std::vector<std::pair<std::string, FileNode>> FileTree::files_below(const std::string& path) const {
  std::vector<std::pair<std::string, FileNode>> files;
  const FileNode* node = find(path);
  if (node != nullptr && !node->is_dir) {
    files.emplace_back("", *node);
    return files;
  }
  for (const auto& [entry_path, entry] : nodes_) {
    if (!entry.is_dir && is_below(entry_path, path)) {
      std::string relative = path.empty() ? entry_path : entry_path.substr(path.size() + 1);
      files.emplace_back(relative, entry);
    }
  }
  return files;
}

std::expected<void, FileError> FileTree::make_dirs(const std::string& path, SystemTime now) {
  if (path.empty()) {
    return {};
  }
  std::string prefix;
  std::istringstream stream(path);
  std::string segment;
  while (std::getline(stream, segment, '/')) {
    prefix = join_path(prefix, segment);
    auto found = nodes_.find(prefix);
    if (found == nodes_.end()) {
      nodes_[prefix] = FileNode{true, nullptr, now};
    } else if (!found->second.is_dir) {
      return std::unexpected(
          FileError{400, "'/" + prefix + "' is a file, so no directory can be created in it"});
    }
  }
  return {};
}

std::expected<void, FileError> FileTree::write_file(const std::string& path,
                                                    std::shared_ptr<const std::string> content,
                                                    SystemTime now) {
  if (path.empty()) {
    return std::unexpected(FileError{400, "the root directory cannot be written as a file"});
  }
  if (const FileNode* existing = find(path); existing != nullptr && existing->is_dir) {
    return std::unexpected(
        FileError{400, "'/" + path + "' is a directory, so a file cannot be written there"});
  }
  auto parents = make_dirs(parent_of(path), now);
  if (!parents) {
    return parents;
  }
  nodes_[path] = FileNode{false, std::move(content), now};
  return {};
}

std::expected<void, FileError> FileTree::remove(const std::string& path) {
  if (path.empty()) {
    return std::unexpected(FileError{400, "the root directory cannot be deleted"});
  }
  if (!nodes_.contains(path)) {
    return std::unexpected(FileError{404, "path not found: '/" + path + "'"});
  }
  std::erase_if(nodes_, [&](const auto& entry) {
    return entry.first == path || is_below(entry.first, path);
  });
  return {};
}

FileTreeCounts FileTree::counts() const {
  FileTreeCounts counts;
  for (const auto& [path, node] : nodes_) {
    if (node.is_dir) {
      ++counts.dirs;
    } else {
      ++counts.files;
      counts.bytes += node.size();
    }
  }
  return counts;
}

std::expected<std::string, FileError> copy_path(const FileTree& source, const std::string& from,
                                                FileTree& target, const std::string& to,
                                                SystemTime now) {
  const FileNode* node = source.find(from);
  if (node == nullptr) {
    return std::unexpected(FileError{404, "source path not found: '/" + from + "'"});
  }
  std::string destination = to;
  if (const FileNode* existing = target.find(to); existing != nullptr && existing->is_dir) {
    destination = join_path(to, base_name(from));
  }
  if (&source == &target && (destination == from || is_below(destination, from))) {
    return std::unexpected(
        FileError{400, "cannot copy or move '/" + from + "' into itself ('/" + destination + "')"});
  }
  if (destination.empty()) {
    return std::unexpected(FileError{400, "the root directory cannot be replaced"});
  }

  // Collects the entries first, since `source` and `target` may be the same map.
  std::vector<std::pair<std::string, FileNode>> entries;
  entries.emplace_back("", *node);
  if (node->is_dir) {
    for (const auto& [path, entry] : source.nodes_) {
      if (is_below(path, from)) {
        entries.emplace_back(path.substr(from.size() + (from.empty() ? 0 : 1)), entry);
      }
    }
  }

  if (const FileNode* existing = target.find(destination);
      existing != nullptr && !existing->is_dir && node->is_dir) {
    return std::unexpected(FileError{
        400, "'/" + destination + "' is a file, so directory '/" + from + "' cannot replace it"});
  }
  for (const auto& [relative, entry] : entries) {
    std::string path = join_path(destination, relative);
    auto written =
        entry.is_dir ? target.make_dirs(path, now) : target.write_file(path, entry.content, now);
    if (!written) {
      return std::unexpected(written.error());
    }
  }
  return destination;
}

std::expected<std::string, FileError> move_path(FileTree& tree, const std::string& from,
                                                const std::string& to, SystemTime now) {
  if (from.empty()) {
    return std::unexpected(FileError{400, "the root directory cannot be moved"});
  }
  auto destination = copy_path(tree, from, tree, to, now);
  if (!destination) {
    return destination;
  }
  auto removed = tree.remove(from);
  if (!removed) {
    return std::unexpected(removed.error());
  }
  return destination;
}

json make_file_info(const std::string& system_id, const std::string& path, const FileNode& node) {
  return {
      {"mimeType", node.is_dir ? "" : guess_mime_type(path)},
      {"type", node.is_dir ? "dir" : "file"},
      {"owner", "1000"},
      {"group", "1000"},
      {"nativePermissions", node.is_dir ? "rwxr-xr-x" : "rw-r--r--"},
      {"url", "tapis://" + system_id + "/" + path},
      {"lastModified", format_instant(node.modified)},
      {"name", base_name(path)},
      {"path", path},
      {"size", node.size()},
  };
}

std::string guess_mime_type(const std::string& path) {
  static const std::map<std::string, std::string> kTypes = {
      {"txt", "text/plain"}, {"out", "text/plain"},        {"err", "text/plain"},
      {"log", "text/plain"}, {"sh", "text/x-shellscript"}, {"md", "text/markdown"},
      {"csv", "text/csv"},   {"json", "application/json"}, {"zip", "application/zip"},
  };
  std::string name = base_name(path);
  auto dot = name.rfind('.');
  if (dot == std::string::npos) {
    return "application/octet-stream";
  }
  auto found = kTypes.find(name.substr(dot + 1));
  return found == kTypes.end() ? "application/octet-stream" : found->second;
}

}  // namespace probe::sim
