#include "json_path.h"

#include <gtest/gtest.h>

#include <cctype>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace probe {
namespace {

using Json = nlohmann::json;
using NodePointers = std::vector<const Json*>;

// The cases of the JSONPath Compliance Test Suite, or an empty array when the file is missing or
// unreadable (the SuiteHas703Cases test then fails).
const Json& compliance_cases() {
  static const Json cases = [] {
    std::ifstream file(PROBE_TEST_DATA "/jsonpath/cts.json");
    if (!file) {
      return Json::array();
    }
    Json suite = Json::parse(file, nullptr, false);
    if (suite.is_discarded() || !suite.contains("tests") || !suite["tests"].is_array()) {
      return Json::array();
    }
    return suite["tests"];
  }();
  return cases;
}

std::vector<size_t> compliance_case_indexes() {
  std::vector<size_t> indexes(compliance_cases().size());
  for (size_t i = 0; i < indexes.size(); ++i) {
    indexes[i] = i;
  }
  return indexes;
}

// A GoogleTest parameter name: the case number and its name, letters and digits only.
std::string compliance_case_label(const testing::TestParamInfo<size_t>& info) {
  std::string label = std::to_string(info.param);
  label.insert(0, 3 - std::min<size_t>(label.size(), 3), '0');
  label += '_';
  for (const char c : compliance_cases()[info.param].value("name", std::string())) {
    if (label.size() >= 80) {
      break;
    }
    const bool keep = std::isalnum(static_cast<unsigned char>(c)) != 0;
    if (keep) {
      label += c;
    } else if (label.back() != '_') {
      label += '_';
    }
  }
  return label;
}

Json values_of(const NodePointers& nodes) {
  Json values = Json::array();
  for (const Json* node : nodes) {
    values.push_back(*node);
  }
  return values;
}

// Resolves each normalized path (such as $['a'][0]) to the node it names, or null when it names
// nothing. Normalized paths are singular queries, so the parser under test resolves them.
NodePointers nodes_at(const Json& document, const Json& normalized_paths) {
  NodePointers nodes;
  for (const Json& path_text : normalized_paths) {
    const auto path = JsonPath::parse(path_text.get<std::string>());
    NodePointers selected = path ? path->select(document) : NodePointers{};
    nodes.push_back(selected.size() == 1 ? selected.front() : nullptr);
  }
  return nodes;
}

// Selects `query` from `document` and returns copies of the selected values. A parse error fails
// the calling test.
Json select_values(std::string_view query, const Json& document) {
  const auto path = JsonPath::parse(query);
  EXPECT_TRUE(path.has_value()) << query << ": " << path.error().message << " at offset "
                                << path.error().offset;
  if (!path) {
    return Json();
  }
  return values_of(path->select(document));
}

// ---------------------------------------------------------------------------------------------
// Compliance suite

TEST(JsonPathCompliance, SuiteHas703Cases) {
  EXPECT_EQ(compliance_cases().size(), 703u);
}

class JsonPathComplianceTest : public testing::TestWithParam<size_t> {};

TEST_P(JsonPathComplianceTest, SelectsExpectedNodes) {
  const Json& test_case = compliance_cases()[GetParam()];
  const std::string selector = test_case.at("selector").get<std::string>();
  SCOPED_TRACE("case \"" + test_case.value("name", std::string()) + "\", query " + selector);

  const auto path = JsonPath::parse(selector);
  if (test_case.value("invalid_selector", false)) {
    EXPECT_FALSE(path.has_value()) << "the query is invalid but was accepted";
    return;
  }
  ASSERT_TRUE(path.has_value()) << path.error().message << " at offset " << path.error().offset;

  const Json& document = test_case.at("document");
  const NodePointers selected = path->select(document);
  const Json values = values_of(selected);
  if (test_case.contains("result")) {
    EXPECT_EQ(values, test_case.at("result"));
    EXPECT_EQ(selected, nodes_at(document, test_case.at("result_paths")))
        << "the values match but come from other nodes";
    return;
  }

  // Nondeterministic cases (object member order) allow any of several nodelists.
  const Json& results = test_case.at("results");
  const Json& results_paths = test_case.at("results_paths");
  bool matched = false;
  for (size_t i = 0; i < results.size(); ++i) {
    if (values == results[i] && selected == nodes_at(document, results_paths[i])) {
      matched = true;
    }
  }
  EXPECT_TRUE(matched) << "selected " << values.dump() << ", expected one of " << results.dump();
}

INSTANTIATE_TEST_SUITE_P(Cts, JsonPathComplianceTest, testing::ValuesIn(compliance_case_indexes()),
                         compliance_case_label);

// ---------------------------------------------------------------------------------------------
// Singular queries

TEST(JsonPath, IsSingularForNameAndIndexSegments) {
  for (const char* query : {"$", "$.a", "$['a'][0]", "$[-1].b['c d']", "$ .a [2]"}) {
    const auto path = JsonPath::parse(query);
    ASSERT_TRUE(path.has_value()) << query;
    EXPECT_TRUE(path->is_singular()) << query;
  }
}

TEST(JsonPath, IsNotSingularForOtherSegments) {
  for (const char* query :
       {"$.*", "$..a", "$['a','b']", "$[0:1]", "$[?@.a]", "$[*]", "$.a..b", "$[0,1]", "$[ 0 ]"}) {
    const auto path = JsonPath::parse(query);
    ASSERT_TRUE(path.has_value()) << query;
    EXPECT_FALSE(path->is_singular()) << query;
  }
}

TEST(JsonPath, SingularQueryAllowsBlankBetweenSegments) {
  const Json document = Json::parse(R"([{"a": [1]}, {"a": [2]}])");
  EXPECT_EQ(select_values("$[?@ ['a'] [0] == 2]", document), Json::parse(R"([{"a": [2]}])"));
  EXPECT_EQ(select_values("$[?@[ 'a' ]]", document).size(), 2u);
}

TEST(JsonPath, SingularQuerySelectsOneNode) {
  const Json document = Json::parse(R"({"a": [10, 20, {"b": "x"}]})");
  EXPECT_EQ(select_values("$.a[-1].b", document), Json::array({"x"}));
  EXPECT_EQ(select_values("$.a[5]", document), Json::array());
}

TEST(JsonPath, CopiesShareTextAndResults) {
  const auto path = JsonPath::parse("$..b");
  ASSERT_TRUE(path.has_value());
  const JsonPath copy = *path;
  const Json document = Json::parse(R"({"a": {"b": 1}, "b": 2})");
  EXPECT_EQ(copy.text(), "$..b");
  EXPECT_EQ(copy.select(document), path->select(document));
}

// ---------------------------------------------------------------------------------------------
// Errors

struct ErrorCase {
  std::string query;
  size_t offset;
  std::string message_part;
};

TEST(JsonPath, ErrorsGiveOffsetAndReason) {
  const std::vector<ErrorCase> cases = {
      {"", 0, "must start with '$'"},
      {"@.a", 0, "must start with '$'"},
      {"$.a ", 3, "blank space is not allowed at the end"},
      {"$[1", 3, "expected ',' or ']' after selector"},
      {"$[01]", 2, "leading zeros"},
      {"$[-0]", 2, "'-0' is not allowed"},
      {"$[9007199254740992]", 2, "outside the range"},
      {"$[-9007199254740992]", 2, "outside the range"},
      {"$['abc", 2, "unterminated string literal"},
      {"$['\\uD800']", 3, "high surrogate"},
      {"$['\\uDC00']", 3, "low surrogate"},
      {"$['\\x']", 3, "invalid escape sequence"},
      {"$['a\tb']", 4, "control character U+0009"},
      {"$.1", 2, "expected a member name"},
      {"$.a\xff", 3, "invalid UTF-8"},
      {"$[?@.a = 1]", 7, "'=' is not an operator"},
      {"$[?length(@.*) == 1]", 10, "argument 1 of length() must be a value"},
      {"$[?count(1) == 1]", 9, "argument 1 of count() must be a query"},
      {"$[?@.* == 1]", 3, "singular query"},
      {"$[?@[ 'a' ] == 1]", 3, "without blank space inside the brackets"},
      {"$[?length (@) == 1]", 9, "blank space is not allowed between a function name and '('"},
      {"$[?foo(@)]", 3, "unknown function 'foo'"},
      {"$[?match(@.a, 'x') == true]", 3, "match() returns a logical value"},
      {"$[?length(@.a)]", 3, "length() returns a value"},
      {"$[?true]", 3, "literal cannot be used as a test"},
      {"$[?match(@.a)]", 3, "match() takes 2 argument(s) but 1 were given"},
      {"$[?(@.a]", 7, "expected ')' to close the '(' at offset 3"},
      {"$[?@.a == 1.]", 12, "expected a digit after the decimal point"},
      {"$[?@.a == 01]", 10, "leading zeros"},
  };
  for (const ErrorCase& error_case : cases) {
    SCOPED_TRACE("query " + error_case.query);
    const auto path = JsonPath::parse(error_case.query);
    ASSERT_FALSE(path.has_value());
    EXPECT_EQ(path.error().offset, error_case.offset);
    EXPECT_NE(path.error().message.find(error_case.message_part), std::string::npos)
        << "message: " << path.error().message;
  }
}

// ---------------------------------------------------------------------------------------------
// Hostile nesting

std::string repeat(std::string_view text, size_t count) {
  std::string out;
  for (size_t i = 0; i < count; ++i) {
    out += text;
  }
  return out;
}

TEST(JsonPath, RejectsTenThousandNestedParentheses) {
  const std::string query = "$[?" + repeat("(", 10000) + "@.a" + repeat(")", 10000) + "]";
  const auto path = JsonPath::parse(query);
  ASSERT_FALSE(path.has_value());
  EXPECT_NE(path.error().message.find("nests deeper than 128 levels"), std::string::npos)
      << path.error().message;
}

TEST(JsonPath, RejectsTenThousandNestedFilters) {
  const std::string query = "$" + repeat("[?@", 10000) + repeat("]", 10000);
  const auto path = JsonPath::parse(query);
  ASSERT_FALSE(path.has_value());
  EXPECT_NE(path.error().message.find("nests deeper"), std::string::npos) << path.error().message;
}

TEST(JsonPath, RejectsTenThousandNestedFunctionCalls) {
  const std::string query = "$[?" + repeat("length(", 10000) + "@" + repeat(")", 10000) + "==1]";
  const auto path = JsonPath::parse(query);
  ASSERT_FALSE(path.has_value());
  EXPECT_NE(path.error().message.find("nests deeper"), std::string::npos) << path.error().message;
}

TEST(JsonPath, AcceptsModerateNesting) {
  const std::string query = "$[?" + repeat("(", 100) + "@.a == 1" + repeat(")", 100) + "]";
  const Json document = Json::parse(R"([{"a": 1}, {"a": 2}])");
  EXPECT_EQ(select_values(query, document), Json::parse(R"([{"a": 1}])"));
}

// Builds [[[...{"x": leaf}...]]] with `depth` arrays, without recursion.
Json nested_arrays(size_t depth, int leaf) {
  Json document = {{"x", leaf}};
  for (size_t i = 0; i < depth; ++i) {
    Json wrapper = Json::array();
    wrapper.push_back(std::move(document));
    document = std::move(wrapper);
  }
  return document;
}

TEST(JsonPath, DescendsTenThousandLevelsDeep) {
  const Json document = nested_arrays(10000, 7);
  EXPECT_EQ(select_values("$..x", document), Json::array({7}));
}

TEST(JsonPath, ComparesTenThousandLevelsDeep) {
  Json document = Json::array();
  document.push_back(Json::object());
  document[0]["a"] = nested_arrays(10000, 1);
  document[0]["b"] = nested_arrays(10000, 1);
  document.push_back(Json::object());
  document[1]["a"] = nested_arrays(10000, 1);
  document[1]["b"] = nested_arrays(10000, 2);

  const auto path = JsonPath::parse("$[?@.a == @.b]");
  ASSERT_TRUE(path.has_value());
  const NodePointers selected = path->select(document);
  ASSERT_EQ(selected.size(), 1u);
  EXPECT_EQ(selected.front(), &document[0]);
}

// ---------------------------------------------------------------------------------------------
// Big documents

Json big_document(int items) {
  Json document = Json::array();
  for (int i = 0; i < items; ++i) {
    document.push_back({{"id", i}, {"name", "item-" + std::to_string(i)}, {"tags", {"a", "b"}}});
  }
  return document;
}

TEST(JsonPath, FiltersBigDocument) {
  const Json document = big_document(100000);
  Json expected = Json::array();
  for (int i = 99990; i < 100000; ++i) {
    expected.push_back(i);
  }
  EXPECT_EQ(select_values("$[?@.id >= 99990].id", document), expected);
  EXPECT_EQ(select_values("$[?match(@.name, 'item-9999.')].id", document), expected);
  EXPECT_EQ(select_values("$[-1].name", document), Json::array({"item-99999"}));
}

TEST(JsonPath, DescendsBigDocument) {
  const Json document = big_document(100000);
  const auto path = JsonPath::parse("$..id");
  ASSERT_TRUE(path.has_value());
  const NodePointers ids = path->select(document);
  ASSERT_EQ(ids.size(), 100000u);
  EXPECT_EQ(*ids.front(), 0);
  EXPECT_EQ(*ids.back(), 99999);
  EXPECT_EQ(ids[500], &document[500]["id"]);
}

TEST(JsonPath, SelectsFromSeveralThreads) {
  const Json document = big_document(20000);
  const auto path = JsonPath::parse("$[?search(@.name, '7$') && @.id > 100].id");
  ASSERT_TRUE(path.has_value());
  const NodePointers expected = path->select(document);
  ASSERT_EQ(expected.size(), 1990u);

  std::vector<NodePointers> results(4);
  std::vector<std::thread> threads;
  for (NodePointers& result : results) {
    threads.emplace_back([&path, &document, &result] { result = path->select(document); });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  for (const NodePointers& result : results) {
    EXPECT_EQ(result, expected);
  }
}

// ---------------------------------------------------------------------------------------------
// Comparisons

TEST(JsonPath, ComparesNumbersByValue) {
  const Json document = Json::parse(R"([1, 1.0, "1", true, 1.5, [1]])");
  EXPECT_EQ(select_values("$[?@ == 1]", document), Json::parse("[1, 1.0]"));
  EXPECT_EQ(select_values("$[?@ == 1.0]", document), Json::parse("[1, 1.0]"));
  EXPECT_EQ(select_values("$[?@ > 1]", document), Json::parse("[1.5]"));
  EXPECT_EQ(select_values("$[?@ == 15e-1]", document), Json::parse("[1.5]"));
}

TEST(JsonPath, ComparesLargeIntegersExactly) {
  const Json document =
      Json::parse("[9007199254740993, 18446744073709551615, -9223372036854775808]");
  EXPECT_EQ(select_values("$[?@ == 9007199254740993]", document),
            Json::parse("[9007199254740993]"));
  EXPECT_EQ(select_values("$[?@ == 9007199254740992]", document), Json::array());
  EXPECT_EQ(select_values("$[?@ > 9007199254740992.0 && @ < 1e20]", document),
            Json::parse("[9007199254740993, 18446744073709551615]"));
  EXPECT_EQ(select_values("$[?@ < 0]", document), Json::parse("[-9223372036854775808]"));
  EXPECT_EQ(select_values("$[?@ < 1e400]", document).size(), 3u);
  EXPECT_EQ(select_values("$[?@ > -1e400]", document).size(), 3u);
}

TEST(JsonPath, ComparesStructuresDeeply) {
  const Json document = Json::parse(R"({
    "ref": {"a": [1, 2.0, {"b": null}]},
    "items": [{"a": [1.0, 2, {"b": null}]}, {"a": [1, 2, {"b": false}]}, {"a": [1, 2]}]
  })");
  EXPECT_EQ(select_values("$.items[?@ == $.ref]", document),
            Json::parse(R"([{"a": [1.0, 2, {"b": null}]}])"));
  EXPECT_EQ(select_values("$.items[?@ != $.ref]", document).size(), 2u);
}

TEST(JsonPath, ComparesStringsByCodePoint) {
  const Json document = Json::parse(R"(["a", "b", "é", "😀", "ab"])");
  EXPECT_EQ(select_values("$[?@ > 'b']", document), Json::parse(R"(["é", "😀"])"));
  EXPECT_EQ(select_values("$[?@ < 'ab']", document), Json::parse(R"(["a"])"));
}

TEST(JsonPath, CountsCodePointsInLength) {
  const Json document = Json::parse(R"(["abc", "é😀x", [1, 2, 3], {"a": 1}, 3])");
  EXPECT_EQ(select_values("$[?length(@) == 3]", document),
            Json::parse(R"(["abc", "é😀x", [1, 2, 3]])"));
}

// ---------------------------------------------------------------------------------------------
// I-Regexp

TEST(JsonPath, DotMatchesNoLineTerminator) {
  const Json document = Json::parse(R"(["a\nb", "a\rb", "a b", "a\u2028b"])");
  EXPECT_EQ(select_values("$[?match(@, 'a.b')]", document), Json::parse(R"(["a b", "a\u2028b"])"));
  EXPECT_EQ(select_values("$[?match(@, 'a[^x]b')]", document).size(), 4u);
}

TEST(JsonPath, MatchIsFullAndSearchIsPartial) {
  const Json document = Json::parse(R"(["abc", "xabcx", "ab"])");
  EXPECT_EQ(select_values("$[?match(@, 'abc')]", document), Json::parse(R"(["abc"])"));
  EXPECT_EQ(select_values("$[?search(@, 'abc')]", document), Json::parse(R"(["abc", "xabcx"])"));
  EXPECT_EQ(select_values("$[?match(@, 'ab|abc')]", document), Json::parse(R"(["abc", "ab"])"));
}

TEST(JsonPath, RegexCaretAndDollarAreAnchors) {
  const Json document = Json::parse(R"(["abc", "xab", "abcx", "a^b$"])");
  EXPECT_EQ(select_values("$[?search(@, '^ab')]", document), Json::parse(R"(["abc", "abcx"])"));
  EXPECT_EQ(select_values("$[?search(@, 'bc$')]", document), Json::parse(R"(["abc"])"));
  EXPECT_EQ(select_values("$[?match(@, 'a^b$')]", document), Json::array());
  EXPECT_EQ(select_values(R"($[?match(@, 'a\\^b[$]')])", document), Json::parse(R"(["a^b$"])"));
  EXPECT_EQ(select_values(R"($[?search(@, '[$^]')])", document), Json::parse(R"(["a^b$"])"));
  EXPECT_EQ(select_values("$[?search(@, '^*a')]", document), Json::array());
}

TEST(JsonPath, RegexSupportsIRegexpSyntax) {
  const Json document = Json::parse(R"(["Ab1", "ab1", "A-1", "AAb1", "x"])");
  EXPECT_EQ(select_values(R"($[?match(@, '\\p{Lu}[a-z]\\p{Nd}')])", document),
            Json::parse(R"(["Ab1"])"));
  EXPECT_EQ(select_values(R"($[?match(@, 'A{1,2}b1')])", document),
            Json::parse(R"(["Ab1", "AAb1"])"));
  EXPECT_EQ(select_values(R"($[?match(@, '[A-Z][\\-b]1')])", document),
            Json::parse(R"(["Ab1", "A-1"])"));
  EXPECT_EQ(select_values(R"($[?match(@, '[-x]')])", document), Json::parse(R"(["x"])"));
  EXPECT_EQ(select_values(R"($[?match(@, '\\P{L}*x?')])", document), Json::parse(R"(["x"])"));
  EXPECT_EQ(select_values(R"($[?match(@, '(a|A)(b|-)1')])", document),
            Json::parse(R"(["Ab1", "ab1", "A-1"])"));
}

TEST(JsonPath, RegexHandlesUnassignedCategory) {
  const Json document = Json::parse(R"(["\u0378", "a", "\u0001", "\uE000"])");
  EXPECT_EQ(select_values(R"($[?match(@, '\\p{Cn}')])", document), Json::parse(R"(["\u0378"])"));
  EXPECT_EQ(select_values(R"($[?match(@, '\\p{C}')])", document),
            Json::parse(R"(["\u0378", "\u0001", "\uE000"])"));
  EXPECT_EQ(select_values(R"($[?match(@, '[^\\p{Cn}]')])", document),
            Json::parse(R"(["a", "\u0001", "\uE000"])"));
  EXPECT_EQ(select_values(R"($[?match(@, '\\P{C}')])", document), Json::parse(R"(["a"])"));
}

// These patterns are RE2 syntax but not I-Regexp, so they must match nothing.
TEST(JsonPath, RegexRejectsNonIRegexpSyntax) {
  const Json document = Json::parse(R"(["1", "a", "A", "aa", ""])");
  for (const char* pattern :
       {R"(\\d)", "(?i)a", "a{,2}", R"(\\bA)", "a*?", "a**", "[]", "[a-]b]", "a{2,1}", "(a", "a)",
        "]", "}", R"(\\p{Xx})", R"(\\p{Cs})", R"([z-a])", R"(\\w)", "a{1001}"}) {
    const std::string query = std::string("$[?search(@, '") + pattern + "')]";
    EXPECT_EQ(select_values(query, document), Json::array()) << query;
  }
}

TEST(JsonPath, RegexFromDocumentIsCheckedToo) {
  const Json document = Json::parse(R"({
    "patterns": ["\\d", "[0-9]", "((((((((((a"],
    "values": ["1", "a"]
  })");
  EXPECT_EQ(select_values("$.values[?match(@, $.patterns[0])]", document), Json::array());
  EXPECT_EQ(select_values("$.values[?match(@, $.patterns[1])]", document), Json::parse(R"(["1"])"));
  EXPECT_EQ(select_values("$.values[?match(@, $.patterns[2])]", document), Json::array());
}

TEST(JsonPath, RegexSurvivesHostilePattern) {
  Json document = Json::object();
  document["pattern"] = repeat("(", 100000) + "a" + repeat(")", 100000);
  document["broken"] = repeat("(", 100000) + "a";
  document["values"] = Json::array({"a"});
  // The translator tracks groups with a counter, and RE2 (20220601) compiles the translation.
  EXPECT_EQ(select_values("$.values[?match(@, $.pattern)]", document), Json::array({"a"}));
  EXPECT_EQ(select_values("$.values[?match(@, $.broken)]", document), Json::array());
}

}  // namespace
}  // namespace probe
