#include "resource_ids.h"

#include <algorithm>

namespace probe::sim {
namespace {

bool is_letter_or_digit(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

}  // namespace

bool is_valid_tapis_id(std::string_view id) {
  if (id.empty() || id.size() > 80 || !is_letter_or_digit(id[0])) {
    return false;
  }
  return std::ranges::all_of(id, [](char c) {
    return is_letter_or_digit(c) || c == '.' || c == '_' || c == '~' || c == '-';
  });
}

bool is_valid_pod_id(std::string_view id) {
  if (id.empty() || id.size() > 128) {
    return false;
  }
  return std::ranges::all_of(
      id, [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); });
}

}  // namespace probe::sim
