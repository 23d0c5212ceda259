#pragma once

#include <string_view>

namespace probe::sim {

// Checks a Systems or Apps id: 1 to 80 letters, digits, '.', '_', '~' or '-', starting with a
// letter or digit.
bool is_valid_tapis_id(std::string_view id);

// Checks a Pods pod_id: 1 to 128 lowercase letters and digits.
bool is_valid_pod_id(std::string_view id);

}  // namespace probe::sim
