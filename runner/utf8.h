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

// Whether `c` is a C0 or C1 control character, DEL, or a noncharacter U+FFFE/U+FFFF.
bool is_control(char32_t c);

// Appends a visible escape for a control character: \n, \r, \t, \xHH below 0x80, else \uHHHH.
void append_control_escape(std::string& out, char32_t c);

// Returns `text` as valid UTF-8 with control characters escaped, fit for one terminal line.
std::string visible_text(std::string_view text);

}  // namespace probe
