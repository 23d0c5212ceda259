#include "utf8.h"

#include <fmt/format.h>

#include <cstddef>

namespace probe {

namespace {

struct LeadByte {
  int continuation_bytes = -1;  // -1 when the byte cannot start a sequence
  unsigned char second_min = 0x80;
  unsigned char second_max = 0xBF;
};

// The ranges are table 3-7 of the Unicode standard ("Well-Formed UTF-8 Byte Sequences").
// Restricting the second byte rules out overlong forms, surrogates and values above U+10FFFF.
LeadByte classify_lead_byte(unsigned char byte) {
  if (byte >= 0xC2 && byte <= 0xDF)
    return {1, 0x80, 0xBF};
  if (byte == 0xE0)
    return {2, 0xA0, 0xBF};
  if (byte == 0xED)
    return {2, 0x80, 0x9F};
  if (byte >= 0xE1 && byte <= 0xEF)
    return {2, 0x80, 0xBF};
  if (byte == 0xF0)
    return {3, 0x90, 0xBF};
  if (byte >= 0xF1 && byte <= 0xF3)
    return {3, 0x80, 0xBF};
  if (byte == 0xF4)
    return {3, 0x80, 0x8F};
  return {};
}

char32_t payload_bits(unsigned char lead_byte, int continuation_bytes) {
  if (continuation_bytes == 1)
    return char32_t{lead_byte} & 0x1Fu;
  if (continuation_bytes == 2)
    return char32_t{lead_byte} & 0x0Fu;
  return char32_t{lead_byte} & 0x07u;
}

}  // namespace

std::u32string decode_utf8(std::string_view text) {
  std::u32string decoded;
  decoded.reserve(text.size());

  std::size_t i = 0;
  while (i < text.size()) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x80) {
      decoded.push_back(byte);
      ++i;
      continue;
    }

    const LeadByte lead = classify_lead_byte(byte);
    ++i;
    if (lead.continuation_bytes < 0) {
      decoded.push_back(kReplacementCharacter);
      continue;
    }

    // Consume continuation bytes while they fit; the first misfit is left for the next
    // round, so the invalid prefix becomes a single U+FFFD.
    char32_t code_point = payload_bits(byte, lead.continuation_bytes);
    int remaining = lead.continuation_bytes;
    bool first = true;
    while (remaining > 0 && i < text.size()) {
      const auto next = static_cast<unsigned char>(text[i]);
      const unsigned char min = first ? lead.second_min : 0x80;
      const unsigned char max = first ? lead.second_max : 0xBF;
      if (next < min || next > max)
        break;
      code_point = (code_point << 6) | (char32_t{next} & 0x3Fu);
      ++i;
      --remaining;
      first = false;
    }
    decoded.push_back(remaining == 0 ? code_point : kReplacementCharacter);
  }
  return decoded;
}

void append_utf8(std::string& out, char32_t code_point) {
  auto byte = [](char32_t bits) { return static_cast<char>(static_cast<unsigned char>(bits)); };

  if (code_point < 0x80) {
    out.push_back(byte(code_point));
  } else if (code_point < 0x800) {
    out.push_back(byte(0xC0 | (code_point >> 6)));
    out.push_back(byte(0x80 | (code_point & 0x3F)));
  } else if (code_point < 0x10000) {
    out.push_back(byte(0xE0 | (code_point >> 12)));
    out.push_back(byte(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(byte(0x80 | (code_point & 0x3F)));
  } else {
    out.push_back(byte(0xF0 | (code_point >> 18)));
    out.push_back(byte(0x80 | ((code_point >> 12) & 0x3F)));
    out.push_back(byte(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(byte(0x80 | (code_point & 0x3F)));
  }
}

bool is_control(char32_t c) {
  return c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F) || c == 0xFFFE || c == 0xFFFF;
}

void append_control_escape(std::string& out, char32_t c) {
  switch (c) {
    case '\n':
      out += "\\n";
      return;
    case '\r':
      out += "\\r";
      return;
    case '\t':
      out += "\\t";
      return;
    default:
      out += c <= 0x7F ? fmt::format("\\x{:02X}", static_cast<unsigned>(c))
                       : fmt::format("\\u{:04X}", static_cast<unsigned>(c));
  }
}

std::string visible_text(std::string_view text) {
  std::string visible;
  for (char32_t c : decode_utf8(text)) {
    if (is_control(c))
      append_control_escape(visible, c);
    else
      append_utf8(visible, c);
  }
  return visible;
}

}  // namespace probe
