#include "json_document.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "assertion.h"

namespace probe {
namespace {

using nlohmann::json;

// Integers compare by value and kind (integer or float), because nlohmann::json parses "-0" as
// a signed zero integer where the conversion yields an unsigned one.
bool same_tree(const json& a, const json& b) {
  if (a.is_number_integer() && b.is_number_integer())
    return a == b;
  if (a.type() != b.type())
    return false;
  if (a.is_array()) {
    if (a.size() != b.size())
      return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (!same_tree(a[i], b[i]))
        return false;
    }
    return true;
  }
  if (a.is_object()) {
    if (a.size() != b.size())
      return false;
    for (const auto& [key, value] : a.items()) {
      if (!b.contains(key) || !same_tree(value, b.at(key)))
        return false;
    }
    return true;
  }
  return a == b;
}

// The documents and selectors of the JSONPath Compliance Test Suite that are valid.
std::vector<std::pair<json, std::string>> compliance_documents() {
  std::vector<std::pair<json, std::string>> cases;
  std::ifstream file(PROBE_TEST_DATA "/jsonpath/cts.json");
  json suite = json::parse(file, nullptr, false);
  if (suite.is_discarded())
    return cases;
  for (const json& test : suite["tests"]) {
    if (test.contains("document") && !test.value("invalid_selector", false))
      cases.emplace_back(test["document"], test["selector"].get<std::string>());
  }
  return cases;
}

TEST(JsonDocument, ConvertsLikeNlohmann) {
  auto cases = compliance_documents();
  ASSERT_GT(cases.size(), 400u);
  for (const auto& [document, selector] : cases) {
    const std::string text = document.dump();
    auto parsed = JsonDocument::parse(text);
    ASSERT_NE(parsed, nullptr) << text;
    EXPECT_TRUE(same_tree(parsed->to_json(), json::parse(text))) << text;
  }
}

TEST(JsonDocument, SingularSelectionMatchesJsonPath) {
  int singular = 0;
  for (const auto& [document, selector] : compliance_documents()) {
    auto path = JsonPath::parse(selector);
    ASSERT_TRUE(path.has_value()) << selector;
    if (!path->is_singular())
      continue;
    ++singular;
    const std::string text = document.dump();
    auto parsed = JsonDocument::parse(text);
    ASSERT_NE(parsed, nullptr) << text;
    std::optional<json> expected = select_value(*path, document);
    std::optional<SelectedNode> selected = parsed->select(path->singular_steps(), false);
    ASSERT_EQ(selected.has_value(), expected.has_value()) << selector << " on " << text;
    if (expected) {
      EXPECT_TRUE(same_tree(selected->value, *expected)) << selector << " on " << text;
    }
  }
  EXPECT_GT(singular, 50);
}

TEST(JsonDocument, DuplicateNameKeepsLast) {
  auto parsed = JsonDocument::parse(R"({"a": 1, "a": 2})");
  ASSERT_NE(parsed, nullptr);
  auto path = JsonPath::parse("$.a");
  ASSERT_TRUE(path.has_value());
  auto selected = parsed->select(path->singular_steps(), false);
  ASSERT_TRUE(selected.has_value());
  EXPECT_EQ(selected->value, json(2));
  EXPECT_EQ(parsed->to_json(), json::parse(R"({"a": 2})"));
}

TEST(JsonDocument, LengthsWithoutConversion) {
  auto parsed = JsonDocument::parse(R"({"list": [1, 2, 3], "text": "h\u00e9llo", "map": {"x": 1,
                                        "x": 2, "y": 3}, "number": 7})");
  ASSERT_NE(parsed, nullptr);
  auto length_of = [&](const char* query) -> std::optional<uint64_t> {
    auto path = JsonPath::parse(query);
    EXPECT_TRUE(path.has_value()) << query;
    auto selected = parsed->select(path->singular_steps(), true);
    EXPECT_TRUE(selected.has_value()) << query;
    return selected ? selected->length : std::nullopt;
  };
  EXPECT_EQ(length_of("$.list"), 3u);
  EXPECT_EQ(length_of("$.text"), 5u);
  EXPECT_EQ(length_of("$.map"), 2u);
  EXPECT_EQ(length_of("$.number"), std::nullopt);
}

TEST(JsonDocument, NegativeIndexCountsFromEnd) {
  auto parsed = JsonDocument::parse(R"([10, 20, 30])");
  ASSERT_NE(parsed, nullptr);
  for (const auto& [query, expected] : std::vector<std::pair<std::string, std::optional<int>>>{
           {"$[-1]", 30}, {"$[-3]", 10}, {"$[-4]", std::nullopt}, {"$[3]", std::nullopt}}) {
    auto path = JsonPath::parse(query);
    ASSERT_TRUE(path.has_value()) << query;
    auto selected = parsed->select(path->singular_steps(), false);
    ASSERT_EQ(selected.has_value(), expected.has_value()) << query;
    if (expected) {
      EXPECT_EQ(selected->value, json(*expected)) << query;
    }
  }
}

TEST(JsonDocument, IntegerKinds) {
  auto parsed = JsonDocument::parse(R"([5, -5, 18446744073709551615, 1.5])");
  ASSERT_NE(parsed, nullptr);
  json converted = parsed->to_json();
  EXPECT_TRUE(converted[0].is_number_unsigned());
  EXPECT_TRUE(converted[1].is_number_integer());
  EXPECT_FALSE(converted[1].is_number_unsigned());
  EXPECT_EQ(converted[2].get<uint64_t>(), 18446744073709551615u);
  EXPECT_TRUE(converted[3].is_number_float());
}

TEST(JsonDocument, RejectsWhatNlohmannExplains) {
  // Invalid JSON, and numbers nlohmann::json reads but simdjson does not: ResponseView then
  // falls back to nlohmann::json.
  for (const char* text : {"", "{", "[1,]", "{\"a\": 1} x", "18446744073709551616", "1e400"})
    EXPECT_EQ(JsonDocument::parse(text), nullptr) << text;
}

TEST(JsonDocument, VisitsNamedStringMembers) {
  auto document = JsonDocument::parse(R"({
    "token": "top",
    "result": {"access_token": {"access_token": "nested"}, "refresh_token": 7},
    "list": [{"token": "in a list"}, ["deeper", {"\u0074oken": "escaped name"}]],
    "tokens": "not a token field",
    "d1": {"d2": {"d3": {"d4": {"token": "too deep"}}}}
  })");
  ASSERT_NE(document, nullptr);
  const std::string_view names[] = {"token", "access_token", "refresh_token"};
  std::vector<std::string> seen;
  document->visit_string_members(names, 3,
                                 [&](std::string_view value) { seen.emplace_back(value); });
  EXPECT_EQ(seen, (std::vector<std::string>{"top", "nested", "in a list", "escaped name"}));
}

TEST(ResponseView, BigIntegerFallsBack) {
  HttpResponse response;
  response.body = R"({"big": 18446744073709551616})";
  ResponseView view(response);
  ASSERT_TRUE(view.is_json());
  auto path = JsonPath::parse("$.big");
  ASSERT_TRUE(path.has_value());
  auto selected = view.select_singular(*path, false);
  ASSERT_TRUE(selected.has_value());
  EXPECT_TRUE(selected->value.is_number_float());
}

TEST(ResponseView, NotJsonHasError) {
  HttpResponse response;
  response.body = "<html>";
  ResponseView view(response);
  EXPECT_FALSE(view.is_json());
  EXPECT_FALSE(view.json_error().empty());
  auto path = JsonPath::parse("$.a");
  ASSERT_TRUE(path.has_value());
  EXPECT_FALSE(view.select_singular(*path, false).has_value());
}

}  // namespace
}  // namespace probe
