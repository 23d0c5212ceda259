#include "paths.h"

#include <unistd.h>

#include <cstdlib>
#include <sstream>

namespace probe::e2e {

std::string binary_path(const std::string& name) {
  return std::string(PROBE_BINARY_DIR) + "/" + name;
}

std::string source_path(const std::string& relative) {
  return std::string(PROBE_SOURCE_DIR) + "/" + relative;
}

std::optional<std::string> find_program(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::istringstream folders(path != nullptr ? path : "/usr/bin:/bin");
  std::string folder;
  while (std::getline(folders, folder, ':')) {
    if (folder.empty())
      continue;
    std::string candidate = folder + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0)
      return candidate;
  }
  return std::nullopt;
}

}  // namespace probe::e2e
