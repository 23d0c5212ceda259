// Accepted keys of the mappings in suite and site files, for the unknown-key check and for the
// test that compares them with the JSON Schemas in schemas/.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace probe {

// Kind of mapping (such as "request") to the keys that it accepts.
using MappingKeys = std::map<std::string, std::vector<std::string>>;

}  // namespace probe
