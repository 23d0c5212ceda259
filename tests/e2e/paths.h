// Where the binaries, the repository files and the tools the tests use are.
#pragma once

#include <optional>
#include <string>

namespace probe::e2e {

// A program built into PROBE_BINARY_DIR: tapis-probe or tapis-sim.
std::string binary_path(const std::string& name);

// A path relative to the repository root, PROBE_SOURCE_DIR.
std::string source_path(const std::string& relative);

// The first executable named `name` on PATH.
std::optional<std::string> find_program(const std::string& name);

}  // namespace probe::e2e
