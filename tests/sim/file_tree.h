#pragma once

#include <cstdint>
#include <expected>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "timestamps.h"

namespace probe::sim {

struct FileNode {
  bool is_dir = false;

  // The file's bytes, shared between copies because files are immutable once written.
  // Null for directories.
  std::shared_ptr<const std::string> content;
  SystemTime modified;

  std::int64_t size() const;
};

// A failed file operation: the HTTP status to send and the message.
struct FileError {
  int status = 400;
  std::string message;
};

// Counts for the control API's state summary.
struct FileTreeCounts {
  std::int64_t files = 0;
  std::int64_t dirs = 0;
  std::int64_t bytes = 0;
};

// Resolves "." and ".." and repeated slashes into a path relative to a system's root, where ""
// is the root. Returns nullopt when ".." climbs above the root.
std::optional<std::string> normalize_path(const std::string& path);

// Returns the last segment of a normalized path ("" for the root).
std::string base_name(const std::string& path);

// The files of one system, by normalized path. The root ("") always exists and is a directory.
// Writing a file or directory creates its missing parent directories, as Tapis Files does.
class FileTree {
 public:
  // Returns the node at `path`, or nullptr. The root is a directory node.
  const FileNode* find(const std::string& path) const;

  // Returns the paths of the entries directly inside the directory `path`.
  std::vector<std::string> children(const std::string& path) const;

  // Returns the file at `path`, or every file below the directory `path`, with paths relative to
  // `path` ("" for a file itself). Directories are left out.
  std::vector<std::pair<std::string, FileNode>> files_below(const std::string& path) const;

  std::expected<void, FileError> make_dirs(const std::string& path, SystemTime now);
  std::expected<void, FileError> write_file(const std::string& path,
                                            std::shared_ptr<const std::string> content,
                                            SystemTime now);

  // Deletes a file, or a directory with everything below it. The root cannot be deleted.
  std::expected<void, FileError> remove(const std::string& path);

  FileTreeCounts counts() const;

  // Copies `from` in `source` to `to` in `target` (which may be the same tree). When `to` is an
  // existing directory, the copy goes inside it under the source's name, as cp does. Returns the
  // path of the copy.
  friend std::expected<std::string, FileError> copy_path(const FileTree& source,
                                                         const std::string& from, FileTree& target,
                                                         const std::string& to, SystemTime now);

 private:
  std::map<std::string, FileNode> nodes_;
};

std::expected<std::string, FileError> copy_path(const FileTree& source, const std::string& from,
                                                FileTree& target, const std::string& to,
                                                SystemTime now);

// Moves `from` to `to` within one tree, with copy_path()'s rule for existing directories.
std::expected<std::string, FileError> move_path(FileTree& tree, const std::string& from,
                                                const std::string& to, SystemTime now);

// Returns a FileInfo record of the Files OpenAPI document. `size` is in bytes, as Tapis Files
// returns it, although the document gives kB.
nlohmann::json make_file_info(const std::string& system_id, const std::string& path,
                              const FileNode& node);

// Returns a MIME type guessed from the file name's extension.
std::string guess_mime_type(const std::string& path);

}  // namespace probe::sim
