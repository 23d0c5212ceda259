// Text that XML 1.0 can carry: the JUnit writer passes every string through here
// before pugixml escapes the markup characters.
#pragma once

#include <string>
#include <string_view>

namespace probe {

// Returns `text` as valid UTF-8 holding only characters XML 1.0 allows. Invalid UTF-8
// becomes U+FFFD. Each forbidden character (U+0000-U+0008, U+000B, U+000C,
// U+000E-U+001F, U+FFFE, U+FFFF) becomes a visible "[NON-XML-CHAR-0x1B]", because
// even a character reference such as "&#27;" is rejected by libxml2 and expat.
// Tab, line feed and carriage return are kept.
std::string xml_safe_text(std::string_view text);

}  // namespace probe
