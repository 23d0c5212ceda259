// Errors about suite and site files: where, what, and what to do about it.
#pragma once

#include <string>
#include <vector>

#include "result.h"

namespace probe {

struct Diagnostic {
  SourceLocation location;
  std::string message;  // lowercase "what: detail", values quoted
  std::string hint;     // what to do; may be empty
  // For a problem inside an included fragment: the include steps that pulled the file in,
  // innermost first.
  std::vector<SourceLocation> included_from = {};
};

using Diagnostics = std::vector<Diagnostic>;

// Formats `file:line:col: error: message`, the offending source line with a caret under the
// column, the hint, and one "included from" line per include. The source line is read from the
// file; it is left out when unreadable.
std::string format_diagnostic(const Diagnostic& diagnostic);

// Returns "file:line:col", "file:line" or "file", as far as the location is known.
std::string format_location(const SourceLocation& location);

// Returns the candidate closest to `word` by edit distance when it is close enough to be a
// likely typo, else an empty string.
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace probe
