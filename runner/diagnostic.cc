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

// Returns the source line and a caret under `column` (in characters). A long line is cut to a
// window around the column, so that a minified file does not flood the terminal.
std::string source_excerpt(const std::string& line, int column) {
  constexpr size_t kMaxShown = 160;
  constexpr size_t kShownBefore = 60;
  auto is_continuation = [&line](size_t at) {
    return at < line.size() && (static_cast<unsigned char>(line[at]) & 0xC0) == 0x80;
  };

  // The byte offset of the column's character.
  size_t target = 0;
  for (int character = 1; character < column && target < line.size(); ++character) {
    ++target;
    while (is_continuation(target))
      ++target;
  }

  size_t begin = 0;
  size_t end = line.size();
  if (line.size() > kMaxShown) {
    begin = target > kShownBefore ? target - kShownBefore : 0;
    while (is_continuation(begin))
      --begin;
    end = std::min(line.size(), begin + kMaxShown);
    while (is_continuation(end))
      --end;
  }

  const std::string before = begin > 0 ? "..." : "";
  const std::string after = end < line.size() ? "..." : "";
  // Tabs keep their width so the caret stays under the right character.
  std::string pad(before.size(), ' ');
  for (size_t at = begin; at < target && at < end; ++at) {
    if (!is_continuation(at))
      pad += line[at] == '\t' ? '\t' : ' ';
  }
  return fmt::format("  {}{}{}\n  {}^\n", before, line.substr(begin, end - begin), after, pad);
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
    if (!line.empty())
      text += source_excerpt(line, diagnostic.location.column);
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
