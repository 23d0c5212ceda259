#pragma once

#include <cstddef>
#include <string>

namespace probe::sim {

// Random identifiers in the formats Tapis services use. Thread-safe: each thread owns its engine.
std::string random_uuid();
std::string random_alphanumeric(std::size_t length);
std::string random_bytes(std::size_t count);
std::string random_hex(std::size_t digits);

}  // namespace probe::sim
