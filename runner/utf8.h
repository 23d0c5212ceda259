// Lossy UTF-8 decoding shared by the report writers, which must never pass on invalid bytes.
#pragma once

#include <string>
#include <string_view>

namespace probe {

inline constexpr char32_t kReplacementCharacter = U'\uFFFD';

// Decodes `text` as UTF-8. Each invalid sequence becomes one U+FFFD per maximal
// subpart, as the Unicode standard recommends (section 3.9). Overlong forms, encoded
// surrogates (ED A0..BF ..) and values above U+10FFFF count as invalid.
std::u32string decode_utf8(std::string_view text);

// Appends the UTF-8 encoding of `code_point`, which must be a Unicode scalar value.
void append_utf8(std::string& out, char32_t code_point);

}  // namespace probe
