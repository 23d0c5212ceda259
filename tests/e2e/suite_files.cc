#include "suite_files.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace probe::e2e {

std::vector<std::string> yaml_files(const std::string& folder) {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    if (entry.is_regular_file() && entry.path().extension() == ".yaml")
      files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

int count_tests(const std::string& suite_file) {
  std::ifstream in(suite_file);
  std::string line;
  bool in_tests = false;
  std::string item_indent;
  int count = 0;
  while (std::getline(in, line)) {
    size_t first = line.find_first_not_of(' ');
    if (first == std::string::npos || line[first] == '#')
      continue;
    if (first == 0) {
      in_tests = line.starts_with("tests:");
      continue;
    }
    if (!in_tests || line.compare(first, 2, "- ") != 0)
      continue;
    std::string indent = line.substr(0, first);
    if (item_indent.empty())
      item_indent = indent;
    if (indent == item_indent)
      ++count;
  }
  return count;
}

int count_lines_containing_in(const std::vector<std::string>& files, const std::string& needle) {
  int count = 0;
  for (const std::string& file : files) {
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line)) {
      if (line.find(needle) != std::string::npos)
        ++count;
    }
  }
  return count;
}

}  // namespace probe::e2e
