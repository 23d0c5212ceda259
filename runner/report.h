// Report writers: each turns a finished result tree into one format.
#pragma once

#include <expected>
#include <filesystem>
#include <functional>
#include <ostream>
#include <string>

#include "result.h"

namespace probe {

class Reporter {
 public:
  virtual ~Reporter() = default;
  // Writes the whole report for `run` to `out`. Text in `run` is already masked.
  virtual void write(const RunResult& run, std::ostream& out) const = 0;
};

// JUnit XML in the shape every common consumer reads alike (see docs/reports.md).
class JunitReporter : public Reporter {
 public:
  void write(const RunResult& run, std::ostream& out) const override;
};

// TAP version 13 with YAML diagnostics for failures and errors.
class TapReporter : public Reporter {
 public:
  void write(const RunResult& run, std::ostream& out) const override;
};

// Writes `path` through a temporary file in the same folder, renamed into place
// once `write` has returned and the data is flushed, so no reader sees half a file.
// A symbolic link is followed, so the link stays and the file it names is replaced.
// Creates missing parent folders. Returns an error message on failure.
std::expected<void, std::string> write_file_atomically(
    const std::string& path, const std::function<void(std::ostream&)>& write);

// The file that `path` names once symbolic links are followed, also to a file that does not
// exist yet. Stops after a bounded number of links, so a loop ends.
std::filesystem::path follow_links(const std::filesystem::path& path);

}  // namespace probe
