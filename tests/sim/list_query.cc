#include "list_query.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <sstream>
#include <vector>

namespace probe::sim {
namespace {

using nlohmann::json;

constexpr std::int64_t kDefaultLimit = 100;

struct Condition {
  std::string field;
  std::string op;
  std::string value;
};

std::optional<std::int64_t> parse_integer(const std::string& text) {
  std::int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

// Returns a record field as text: strings as they are, other values as JSON.
std::string field_text(const json& record, const std::string& field) {
  auto found = record.find(field);
  if (found == record.end()) {
    return "";
  }
  return found->is_string() ? found->get<std::string>() : found->dump();
}

// Matches `text` against a pattern where * is any run of characters and ? is one character.
bool matches_wildcard(std::string_view pattern, std::string_view text) {
  if (pattern.empty()) {
    return text.empty();
  }
  if (pattern[0] == '*') {
    for (std::size_t skip = 0; skip <= text.size(); ++skip) {
      if (matches_wildcard(pattern.substr(1), text.substr(skip))) {
        return true;
      }
    }
    return false;
  }
  if (text.empty() || (pattern[0] != '?' && pattern[0] != text[0])) {
    return false;
  }
  return matches_wildcard(pattern.substr(1), text.substr(1));
}

// Compares numbers numerically when both sides are integers, and text otherwise.
int compare_values(const std::string& left, const std::string& right) {
  auto left_number = parse_integer(left);
  auto right_number = parse_integer(right);
  if (left_number && right_number) {
    return *left_number < *right_number ? -1 : (*left_number > *right_number ? 1 : 0);
  }
  return left.compare(right);
}

bool in_list(const std::string& value, const std::string& list) {
  std::istringstream stream(list);
  std::string item;
  while (std::getline(stream, item, ',')) {
    if (item == value) {
      return true;
    }
  }
  return false;
}

bool matches(const json& record, const Condition& condition) {
  std::string value = field_text(record, condition.field);
  const std::string& op = condition.op;
  if (op == "like" || op == "nlike") {
    return matches_wildcard(condition.value, value) == (op == "like");
  }
  if (op == "in" || op == "nin") {
    return in_list(value, condition.value) == (op == "in");
  }
  int order = compare_values(value, condition.value);
  if (op == "eq") {
    return order == 0;
  }
  if (op == "neq") {
    return order != 0;
  }
  if (op == "lt") {
    return order < 0;
  }
  if (op == "lte") {
    return order <= 0;
  }
  if (op == "gt") {
    return order > 0;
  }
  return order >= 0;
}

std::expected<Condition, std::string> parse_condition(std::string text) {
  if (text.starts_with('(') && text.ends_with(')')) {
    text = text.substr(1, text.size() - 2);
  }
  auto first = text.find('.');
  auto second = first == std::string::npos ? first : text.find('.', first + 1);
  if (second == std::string::npos) {
    return std::unexpected("invalid search condition '" + text +
                           "': expected FIELD.OP.VALUE, e.g. id.like.tapis*");
  }
  Condition condition{text.substr(0, first), text.substr(first + 1, second - first - 1),
                      text.substr(second + 1)};
  static const std::vector<std::string> kOperators = {"eq",  "neq",  "lt",    "lte", "gt",
                                                      "gte", "like", "nlike", "in",  "nin"};
  if (std::ranges::find(kOperators, condition.op) == kOperators.end()) {
    return std::unexpected("invalid search operator '" + condition.op +
                           "': expected eq, neq, lt, lte, gt, gte, like, nlike, in or nin");
  }
  return condition;
}

std::expected<std::vector<Condition>, std::string> parse_search(const std::string& search) {
  std::vector<Condition> conditions;
  std::istringstream stream(search);
  std::string part;
  while (std::getline(stream, part, '~')) {
    if (part.empty()) {
      continue;
    }
    auto condition = parse_condition(part);
    if (!condition) {
      return std::unexpected(condition.error());
    }
    conditions.push_back(*condition);
  }
  return conditions;
}

// Sorts by "FIELD", "FIELD(asc)" or "FIELD(desc)".
std::expected<void, std::string> sort_records(std::vector<json>& records, std::string order_by) {
  bool descending = false;
  for (const auto* suffix : {"(asc)", "(desc)"}) {
    if (order_by.ends_with(suffix)) {
      descending = std::string_view(suffix) == "(desc)";
      order_by.resize(order_by.size() - std::string_view(suffix).size());
    }
  }
  if (order_by.empty() || order_by.find('(') != std::string::npos) {
    return std::unexpected("invalid orderBy: expected FIELD, FIELD(asc) or FIELD(desc)");
  }
  std::ranges::stable_sort(records, [&](const json& left, const json& right) {
    int order = compare_values(field_text(left, order_by), field_text(right, order_by));
    return descending ? order > 0 : order < 0;
  });
  return {};
}

std::expected<std::int64_t, std::string> integer_param(const httplib::Request& request,
                                                       const std::string& name,
                                                       std::int64_t fallback) {
  if (!request.has_param(name)) {
    return fallback;
  }
  auto value = parse_integer(request.get_param_value(name));
  if (!value || *value < -1) {
    return std::unexpected("invalid " + name + " '" + request.get_param_value(name) +
                           "': expected a whole number");
  }
  return *value;
}

}  // namespace

std::expected<ListPage, std::string> apply_list_query(json records,
                                                      const httplib::Request& request) {
  auto conditions = parse_search(request.get_param_value("search"));
  if (!conditions) {
    return std::unexpected(conditions.error());
  }
  auto limit = integer_param(request, "limit", kDefaultLimit);
  if (!limit) {
    return std::unexpected(limit.error());
  }
  auto skip = integer_param(request, "skip", 0);
  if (!skip) {
    return std::unexpected(skip.error());
  }

  std::vector<json> selected;
  for (auto& record : records) {
    if (std::ranges::all_of(*conditions, [&](const Condition& c) { return matches(record, c); })) {
      selected.push_back(std::move(record));
    }
  }
  std::string order_by = request.get_param_value("orderBy");
  if (!order_by.empty()) {
    if (auto sorted = sort_records(selected, order_by); !sorted) {
      return std::unexpected(sorted.error());
    }
  }

  auto total = static_cast<std::int64_t>(selected.size());
  std::int64_t first = std::min(std::max<std::int64_t>(*skip, 0), total);
  std::int64_t last = *limit < 0 ? total : std::min(total, first + *limit);
  json page = json::array();
  for (std::int64_t i = first; i < last; ++i) {
    page.push_back(std::move(selected[static_cast<std::size_t>(i)]));
  }

  json metadata = {
      {"recordCount", page.size()},
      {"recordLimit", *limit},
      {"recordsSkipped", first},
      {"orderBy", order_by.empty() ? json(nullptr) : json(order_by)},
      {"startAfter", nullptr},
      {"totalCount", request.get_param_value("computeTotal") == "true" ? total : -1},
  };
  return ListPage{std::move(page), std::move(metadata)};
}

}  // namespace probe::sim
