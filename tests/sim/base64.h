#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace probe::sim {

// RFC 4648 section 5 (URL-safe alphabet, no padding), as JWT segments use.
std::string base64url_encode(std::string_view bytes);

// RFC 4648 section 4 (standard alphabet, padding optional), as HTTP basic auth uses.
// Returns nullopt for characters outside the alphabet.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace probe::sim
