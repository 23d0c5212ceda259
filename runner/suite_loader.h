// Loading suite files into the suite model.
#pragma once

#include <expected>
#include <string>
#include <vector>

#include "diagnostic.h"
#include "suite.h"

namespace probe {

// Loads one suite file. Reports every problem found, not only the first.
std::expected<Suite, Diagnostics> load_suite(const std::string& path);

// Expands each path: a file is taken as it is; a folder contributes its *.yaml and *.yml files,
// recursively, sorted by path. A path that does not exist, or a folder with no suite, is an error.
std::expected<std::vector<std::string>, Diagnostics> find_suite_files(
    const std::vector<std::string>& paths);

}  // namespace probe
