#include "diagnostic.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>

namespace probe {

namespace {

std::string read_line(const std::string& path, int line_number) {
  std::ifstream in(path);
  std::string line;
  for (int i = 0; i < line_number && std::getline(in, line); ++i) {
  }
  if (!in)
    return {};
  if (!line.empty() && line.back() == '\r')
    line.pop_back();
  return line;
}

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      size_t substitution = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, substitution});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string format_location(const SourceLocation& location) {
  if (location.file.empty() || location.line <= 0)
    return location.file;
  if (location.column <= 0)
    return fmt::format("{}:{}", location.file, location.line);
  return fmt::format("{}:{}:{}", location.file, location.line, location.column);
}

std::string format_diagnostic(const Diagnostic& diagnostic) {
  std::string text =
      fmt::format("{}: error: {}\n", format_location(diagnostic.location), diagnostic.message);
  if (diagnostic.location.line > 0) {
    std::string line = read_line(diagnostic.location.file, diagnostic.location.line);
    if (!line.empty()) {
      // Tabs keep their width so the caret stays under the right character.
      std::string pad;
      for (int i = 0; i + 1 < diagnostic.location.column && i < static_cast<int>(line.size()); ++i)
        pad += line[i] == '\t' ? '\t' : ' ';
      text += fmt::format("  {}\n  {}^\n", line, pad);
    }
  }
  if (!diagnostic.hint.empty())
    text += fmt::format("  hint: {}\n", diagnostic.hint);
  for (const SourceLocation& include : diagnostic.included_from)
    text += fmt::format("  included from {}\n", format_location(include));
  return text;
}

std::string closest_match(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_distance = std::string::npos;
  for (const std::string& candidate : candidates) {
    size_t distance = edit_distance(word, candidate);
    if (distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  // A third of the word's length, at least 1 and at most 3 edits, counts as a typo.
  size_t limit = std::clamp<size_t>(word.size() / 3, 1, 3);
  return best_distance <= limit ? best : std::string();
}

}  // namespace probe
