// Loading suite files into the suite model.
#pragma once

#include <expected>
#include <string>
#include <vector>

#include "diagnostic.h"
#include "mapping_keys.h"
#include "suite.h"

namespace probe {

// Loads one suite file. Reports every problem found, not only the first.
std::expected<Suite, Diagnostics> load_suite(const std::string& path);

// The keys that each kind of mapping in a suite file accepts, by kind ("suite", "test",
// "request", ...). Each kind is also a $defs entry of schemas/suite.schema.json.
const MappingKeys& suite_mapping_keys();

// Expands each path: a file is taken as it is; a folder contributes its *.yaml and *.yml files,
// recursively, sorted by path. A path that does not exist, or a folder with no suite, is an error.
std::expected<std::vector<std::string>, Diagnostics> find_suite_files(
    const std::vector<std::string>& paths);

}  // namespace probe
