#include "xml_text.h"

#include <fmt/format.h>

#include <algorithm>

#include "utf8.h"

namespace probe {

namespace {

// The Char production of XML 1.0 (fifth edition), section 2.2.
bool is_xml_char(char32_t c) {
  if (c == 0x9 || c == 0xA || c == 0xD)
    return true;
  if (c >= 0x20 && c <= 0xD7FF)
    return true;
  if (c >= 0xE000 && c <= 0xFFFD)
    return true;
  return c >= 0x10000 && c <= 0x10FFFF;
}

}  // namespace

std::string xml_safe_text(std::string_view text) {
  // Most report text is printable ASCII, which needs no decoding.
  auto ascii = [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return (byte >= 0x20 && byte < 0x80) || byte == '\t' || byte == '\n' || byte == '\r';
  };
  if (std::all_of(text.begin(), text.end(), ascii))
    return std::string(text);

  std::string safe;
  safe.reserve(text.size());

  for (char32_t c : decode_utf8(text)) {
    if (is_xml_char(c)) {
      append_utf8(safe, c);
    } else {
      safe += fmt::format("[NON-XML-CHAR-0x{:02X}]", static_cast<unsigned>(c));
    }
  }
  return safe;
}

}  // namespace probe
