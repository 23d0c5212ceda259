#include "assertion.h"

#include <gtest/gtest.h>

#include <string>

#include "fake_http_client.h"

namespace probe {
namespace {

using nlohmann::json;
using testing::json_response;
using testing::text_response;

AssertionSpec on_json(const std::string& path, const std::string& op) {
  AssertionSpec spec;
  spec.subject = Subject::json;
  spec.target = path;
  auto parsed = JsonPath::parse(path);
  EXPECT_TRUE(parsed) << path;
  if (parsed)
    spec.path = *parsed;
  spec.op = op;
  return spec;
}

AssertionSpec on_subject(Subject subject, const std::string& op, const std::string& target = {}) {
  AssertionSpec spec;
  spec.subject = subject;
  spec.target = target;
  spec.op = op;
  return spec;
}

AssertionSpec on_length(AssertionSpec spec) {
  spec.on_length = true;
  return spec;
}

// Evaluates `spec` against a 200 response whose body is `body` serialized as JSON.
AssertionResult check_json(const AssertionSpec& spec, const json& expected, const json& body) {
  HttpResponse response = json_response(200, body);
  ResponseView view(response);
  return evaluate(spec, expected, view);
}

AssertionResult check_raw(const AssertionSpec& spec, const json& expected,
                          const HttpResponse& response) {
  ResponseView view(response);
  return evaluate(spec, expected, view);
}

TEST(AssertionStatus, EqualCode) {
  AssertionSpec spec = on_subject(Subject::status, "eq");

  AssertionResult passed = check_raw(spec, 200, text_response(200, ""));
  AssertionResult failed = check_raw(spec, 200, text_response(404, ""));

  EXPECT_TRUE(passed.passed);
  EXPECT_FALSE(failed.passed);
  EXPECT_EQ(failed.subject, "status");
  EXPECT_EQ(failed.expected, "200");
  EXPECT_EQ(failed.actual, "404");
}

TEST(AssertionStatus, CodeInList) {
  AssertionSpec spec = on_subject(Subject::status, "in");

  EXPECT_TRUE(check_raw(spec, json{200, 201}, text_response(201, "")).passed);
  EXPECT_FALSE(check_raw(spec, json{200, 201}, text_response(204, "")).passed);
}

TEST(AssertionStatus, QuotedCodeIsText) {
  AssertionSpec spec = on_subject(Subject::status, "eq");

  EXPECT_FALSE(check_raw(spec, "200", text_response(200, "")).passed);
}

TEST(AssertionHeader, NameIsCaseInsensitive) {
  AssertionSpec spec = on_subject(Subject::header, "eq", "content-TYPE");

  AssertionResult result = check_json(spec, "application/json", json::object());

  EXPECT_TRUE(result.passed) << result.actual;
  EXPECT_EQ(result.subject, "header content-TYPE");
}

TEST(AssertionHeader, MissingHeaderFails) {
  AssertionSpec spec = on_subject(Subject::header, "eq", "X-Request-Id");

  AssertionResult result = check_json(spec, "", json::object());

  EXPECT_FALSE(result.passed);
  EXPECT_EQ(result.actual, "(missing)");
}

TEST(AssertionJson, IntegerEqualsFloat) {
  EXPECT_TRUE(check_json(on_json("$.n", "eq"), 1.0, {{"n", 1}}).passed);
  EXPECT_TRUE(check_json(on_json("$.n", "eq"), 1, {{"n", 1.0}}).passed);
  EXPECT_TRUE(check_json(on_json("$.n", "eq"), -3, {{"n", -3.0}}).passed);
}

TEST(AssertionJson, BigIntegersCompareExactly) {
  json body = json::parse(R"({"n": 9007199254740993})");

  EXPECT_FALSE(check_json(on_json("$.n", "eq"), 9007199254740992.0, body).passed);
  EXPECT_TRUE(check_json(on_json("$.n", "ne"), 9007199254740992.0, body).passed);
  EXPECT_TRUE(check_json(on_json("$.n", "gt"), 9007199254740992.0, body).passed);
  EXPECT_TRUE(check_json(on_json("$.n", "eq"), 9007199254740993LL, body).passed);
  EXPECT_FALSE(check_json(on_json("$.n", "eq"), 9007199254740992LL, body).passed);
}

TEST(AssertionJson, LargestIntegersCompareExactlyWithFloats) {
  // 2^63 and 2^64 are exact doubles just above the largest int64 and uint64 values.
  json int64_max = json::parse(R"({"n": 9223372036854775807})");
  json uint64_max = json::parse(R"({"n": 18446744073709551615})");

  EXPECT_FALSE(check_json(on_json("$.n", "eq"), 9223372036854775808.0, int64_max).passed);
  EXPECT_TRUE(check_json(on_json("$.n", "lt"), 9223372036854775808.0, int64_max).passed);
  EXPECT_FALSE(check_json(on_json("$.n", "eq"), 18446744073709551616.0, uint64_max).passed);
  EXPECT_TRUE(check_json(on_json("$.n", "lt"), 18446744073709551616.0, uint64_max).passed);
  EXPECT_TRUE(check_json(on_json("$.n", "gt"), 2.0, uint64_max).passed);
  EXPECT_TRUE(check_json(on_json("$.n", "gt"), -1.0, uint64_max).passed);
}

TEST(AssertionJson, UnsignedAndSignedIntegers) {
  json body = json::parse(R"({"big": 18446744073709551615, "neg": -1})");

  EXPECT_TRUE(check_json(on_json("$.big", "gt"), -1, body).passed);
  EXPECT_TRUE(check_json(on_json("$.neg", "lt"), 18446744073709551615ULL, body).passed);
  EXPECT_FALSE(check_json(on_json("$.neg", "eq"), 18446744073709551615ULL, body).passed);
}

TEST(AssertionJson, StringsStayStrings) {
  json body = {{"version", "1.10"}, {"one", "1"}};

  EXPECT_FALSE(check_json(on_json("$.version", "eq"), "1.1", body).passed);
  EXPECT_FALSE(check_json(on_json("$.version", "eq"), 1.1, body).passed);
  EXPECT_FALSE(check_json(on_json("$.one", "eq"), 1, body).passed);
  EXPECT_TRUE(check_json(on_json("$.version", "eq"), "1.10", body).passed);
}

TEST(AssertionJson, BooleanIsNotNumber) {
  json body = {{"flag", true}, {"zero", 0}};

  EXPECT_FALSE(check_json(on_json("$.flag", "eq"), 1, body).passed);
  EXPECT_FALSE(check_json(on_json("$.zero", "eq"), false, body).passed);
}

TEST(AssertionJson, MissingFieldMatchesNoValue) {
  json body = {{"present", 0}};

  for (const json& expected : {json(0), json(""), json(false), json::array(), json::object()}) {
    AssertionResult result = check_json(on_json("$.absent", "eq"), expected, body);
    EXPECT_FALSE(result.passed) << expected.dump();
    EXPECT_EQ(result.actual, "(missing)");
  }
}

TEST(AssertionJson, MissingFieldOnlyMatchesWhenAsked) {
  json body = {{"present", nullptr}};

  EXPECT_TRUE(check_json(on_json("$.absent", "exists"), false, body).passed);
  EXPECT_FALSE(check_json(on_json("$.absent", "exists"), true, body).passed);
  EXPECT_TRUE(check_json(on_json("$.absent", "eq"), nullptr, body).passed);
  EXPECT_FALSE(check_json(on_json("$.absent", "ne"), nullptr, body).passed);
  EXPECT_FALSE(check_json(on_json("$.absent", "type"), "null", body).passed);
  EXPECT_FALSE(check_json(on_json("$.absent", "lt"), 10, body).passed);
  EXPECT_FALSE(check_json(on_json("$.absent", "in"), json{nullptr, 0}, body).passed);
  EXPECT_FALSE(check_json(on_json("$.absent", "contains"), "", body).passed);
}

TEST(AssertionJson, PresentNullExists) {
  json body = {{"present", nullptr}};

  EXPECT_TRUE(check_json(on_json("$.present", "exists"), true, body).passed);
  EXPECT_FALSE(check_json(on_json("$.present", "exists"), false, body).passed);
  EXPECT_TRUE(check_json(on_json("$.present", "eq"), nullptr, body).passed);
  EXPECT_TRUE(check_json(on_json("$.present", "type"), "null", body).passed);
}

TEST(AssertionJson, NotEqual) {
  json body = {{"status", "success"}};

  EXPECT_TRUE(check_json(on_json("$.status", "ne"), "error", body).passed);
  EXPECT_FALSE(check_json(on_json("$.status", "ne"), "success", body).passed);
}

TEST(AssertionJson, OrderingOfNumbers) {
  json body = {{"n", 5}};

  EXPECT_TRUE(check_json(on_json("$.n", "lt"), 5.5, body).passed);
  EXPECT_FALSE(check_json(on_json("$.n", "lt"), 5, body).passed);
  EXPECT_TRUE(check_json(on_json("$.n", "le"), 5.0, body).passed);
  EXPECT_TRUE(check_json(on_json("$.n", "gt"), 4.99, body).passed);
  EXPECT_FALSE(check_json(on_json("$.n", "gt"), 5, body).passed);
  EXPECT_TRUE(check_json(on_json("$.n", "ge"), 5, body).passed);
  EXPECT_FALSE(check_json(on_json("$.n", "ge"), 6, body).passed);
}

TEST(AssertionJson, OrderingOfStrings) {
  json body = {{"created", "2026-01-15T10:00:00Z"}};

  EXPECT_TRUE(check_json(on_json("$.created", "gt"), "2025-12-31T23:59:59Z", body).passed);
  EXPECT_FALSE(check_json(on_json("$.created", "lt"), "2025-12-31T23:59:59Z", body).passed);
}

TEST(AssertionJson, OrderingOfMixedTypesExplains) {
  json body = {{"text", "10"}, {"list", {1}}};

  AssertionResult text = check_json(on_json("$.text", "lt"), 20, body);
  AssertionResult list = check_json(on_json("$.list", "ge"), 1, body);

  EXPECT_FALSE(text.passed);
  EXPECT_EQ(text.actual, "\"10\" (cannot compare string with integer)");
  EXPECT_FALSE(list.passed);
  EXPECT_EQ(list.actual, "[1] (cannot compare array with integer)");
}

TEST(AssertionJson, InList) {
  json body = {{"n", 2}, {"s", "b"}};

  EXPECT_TRUE(check_json(on_json("$.n", "in"), json{1, 2.0}, body).passed);
  EXPECT_FALSE(check_json(on_json("$.n", "in"), json{"2", 3}, body).passed);
  EXPECT_TRUE(check_json(on_json("$.s", "in"), json{"a", "b"}, body).passed);
}

TEST(AssertionJson, ContainsOnStringArrayObject) {
  json body = {{"s", "hello world"}, {"a", {1, "x"}}, {"o", {{"key", 1}}}};

  EXPECT_TRUE(check_json(on_json("$.s", "contains"), "lo wo", body).passed);
  EXPECT_FALSE(check_json(on_json("$.s", "contains"), "bye", body).passed);
  EXPECT_TRUE(check_json(on_json("$.a", "contains"), 1.0, body).passed);
  EXPECT_TRUE(check_json(on_json("$.a", "contains"), "x", body).passed);
  EXPECT_FALSE(check_json(on_json("$.a", "contains"), "y", body).passed);
  EXPECT_TRUE(check_json(on_json("$.o", "contains"), "key", body).passed);
  EXPECT_FALSE(check_json(on_json("$.o", "contains"), "other", body).passed);
}

TEST(AssertionJson, ContainsOnNumberExplains) {
  json body = {{"n", 123}, {"s", "a1b"}};

  AssertionResult number = check_json(on_json("$.n", "contains"), "2", body);
  AssertionResult text = check_json(on_json("$.s", "contains"), 1, body);

  EXPECT_FALSE(number.passed);
  EXPECT_NE(number.actual.find("(cannot"), std::string::npos) << number.actual;
  EXPECT_FALSE(text.passed);
  EXPECT_NE(text.actual.find("(cannot"), std::string::npos) << text.actual;
}

TEST(AssertionJson, MatchesRegex) {
  json body = {{"id", "job-0042"}, {"n", 42}};

  EXPECT_TRUE(check_json(on_json("$.id", "matches"), "^job-[0-9]{4}$", body).passed);
  EXPECT_TRUE(check_json(on_json("$.id", "matches"), "[0-9]+", body).passed);
  EXPECT_FALSE(check_json(on_json("$.id", "matches"), "^[0-9]+$", body).passed);

  AssertionResult number = check_json(on_json("$.n", "matches"), "4", body);
  EXPECT_FALSE(number.passed);
  EXPECT_EQ(number.actual, "42 (not text)");
}

TEST(AssertionJson, MatchesInvalidRuntimePatternExplains) {
  json body = {{"id", "job"}};

  AssertionResult result = check_json(on_json("$.id", "matches"), "(unclosed", body);

  EXPECT_FALSE(result.passed);
  EXPECT_NE(result.actual.find("invalid regex"), std::string::npos) << result.actual;
}

TEST(AssertionJson, MatchesNonTextPatternExplains) {
  // A `matches: ${captured}` operand can expand to a number at run time.
  json body = {{"id", "42"}};

  AssertionResult result = check_json(on_json("$.id", "matches"), 42, body);

  EXPECT_FALSE(result.passed);
  EXPECT_NE(result.actual.find("("), std::string::npos) << result.actual;
}

TEST(AssertionJson, TypeNames) {
  json body = {{"i", 3},       {"f", 3.5},           {"s", "x"},           {"b", true},
               {"z", nullptr}, {"a", json::array()}, {"o", json::object()}};

  EXPECT_TRUE(check_json(on_json("$.i", "type"), "integer", body).passed);
  EXPECT_TRUE(check_json(on_json("$.i", "type"), "number", body).passed);
  EXPECT_TRUE(check_json(on_json("$.f", "type"), "number", body).passed);
  EXPECT_FALSE(check_json(on_json("$.f", "type"), "integer", body).passed);
  EXPECT_TRUE(check_json(on_json("$.s", "type"), "string", body).passed);
  EXPECT_FALSE(check_json(on_json("$.s", "type"), "number", body).passed);
  EXPECT_TRUE(check_json(on_json("$.b", "type"), "boolean", body).passed);
  EXPECT_TRUE(check_json(on_json("$.z", "type"), "null", body).passed);
  EXPECT_TRUE(check_json(on_json("$.a", "type"), "array", body).passed);
  EXPECT_TRUE(check_json(on_json("$.o", "type"), "object", body).passed);
  EXPECT_FALSE(check_json(on_json("$.o", "type"), "array", body).passed);
}

TEST(AssertionJson, LengthCountsCodePoints) {
  // "héllo✓": 6 code points in 9 bytes.
  json body = {{"s", "h\xC3\xA9llo\xE2\x9C\x93"}, {"a", {1, 2, 3}}, {"o", {{"k", 1}}}};

  EXPECT_TRUE(check_json(on_length(on_json("$.s", "eq")), 6, body).passed);
  EXPECT_FALSE(check_json(on_length(on_json("$.s", "eq")), 9, body).passed);
  EXPECT_TRUE(check_json(on_length(on_json("$.a", "eq")), 3, body).passed);
  EXPECT_TRUE(check_json(on_length(on_json("$.a", "gt")), 2, body).passed);
  EXPECT_TRUE(check_json(on_length(on_json("$.o", "eq")), 1, body).passed);
}

TEST(AssertionJson, LengthOfNumberExplains) {
  AssertionResult result = check_json(on_length(on_json("$.n", "eq")), 1, {{"n", 5}});

  EXPECT_FALSE(result.passed);
  EXPECT_EQ(result.actual, "integer has no length");
  EXPECT_EQ(result.subject, "length of json $.n");
}

TEST(AssertionJson, NonJsonBodyFailsSayingSo) {
  HttpResponse html = text_response(200, "<html>oops</html>");
  HttpResponse empty = text_response(200, "");

  for (const std::string op : {"eq", "exists"}) {
    json expected = op == "exists" ? json(false) : json(nullptr);
    AssertionResult result = check_raw(on_json("$.status", op), expected, html);
    EXPECT_FALSE(result.passed) << op;
    EXPECT_TRUE(result.actual.starts_with("body is not JSON")) << result.actual;
  }
  AssertionResult result = check_raw(on_json("$.status", "eq"), "success", empty);
  EXPECT_FALSE(result.passed);
  EXPECT_EQ(result.actual, "body is not JSON: the body is empty");
}

TEST(AssertionJson, NonSingularPathSelectsList) {
  json body = {{"result", {{{"id", "a"}}, {{"id", "b"}}}}};

  EXPECT_TRUE(check_json(on_json("$.result[*].id", "eq"), json{"a", "b"}, body).passed);
  EXPECT_TRUE(check_json(on_json("$.result[*].id", "contains"), "b", body).passed);
  EXPECT_TRUE(check_json(on_length(on_json("$.result[*]", "eq")), 2, body).passed);
  EXPECT_TRUE(check_json(on_json("$.nothing[*]", "eq"), json::array(), body).passed);
}

TEST(AssertionBody, ContainsAndMatches) {
  HttpResponse response = text_response(200, "Tapis says: OK\n");

  EXPECT_TRUE(check_raw(on_subject(Subject::body, "contains"), "says", response).passed);
  EXPECT_FALSE(check_raw(on_subject(Subject::body, "contains"), "error", response).passed);
  EXPECT_TRUE(
      check_raw(on_subject(Subject::body, "matches"), "says: (OK|FAILED)", response).passed);
  // RE2's '$' matches only at the end of the text, not before a final newline.
  EXPECT_FALSE(check_raw(on_subject(Subject::body, "matches"), "OK$", response).passed);
  EXPECT_TRUE(check_raw(on_subject(Subject::body, "eq"), "Tapis says: OK\n", response).passed);
}

TEST(AssertionDuration, ComparesSeconds) {
  HttpResponse response = text_response(200, "");
  response.seconds = 0.25;

  AssertionResult fast = check_raw(on_subject(Subject::duration, "lt"), 0.5, response);
  AssertionResult slow = check_raw(on_subject(Subject::duration, "lt"), 0.1, response);

  EXPECT_TRUE(fast.passed);
  EXPECT_FALSE(slow.passed);
  EXPECT_EQ(slow.op, "lt");
  EXPECT_EQ(slow.expected, "0.100 s");
  EXPECT_EQ(slow.actual, "0.250 s");
}

TEST(JsonEqual, DeepWithNumbers) {
  EXPECT_TRUE(json_equal(json{{"a", {1, 2.0}}}, json{{"a", {1.0, 2}}}));
  EXPECT_FALSE(json_equal(json{{"a", 1}}, json{{"a", 1}, {"b", 2}}));
  EXPECT_FALSE(json_equal(json{{"a", 1}}, json{{"b", 1}}));
  EXPECT_FALSE(json_equal(json{1, 2}, json{2, 1}));
  EXPECT_FALSE(json_equal(json(nullptr), json(0)));
}

TEST(SelectValue, SingularAndNonSingular) {
  json root = {{"a", {{"b", 1}}}, {"list", {1, 2}}};

  EXPECT_EQ(select_value(*JsonPath::parse("$.a.b"), root), json(1));
  EXPECT_EQ(select_value(*JsonPath::parse("$.a.c"), root), std::nullopt);
  EXPECT_EQ(select_value(*JsonPath::parse("$.list[*]"), root), json({1, 2}));
  EXPECT_EQ(select_value(*JsonPath::parse("$.none[*]"), root), json::array());
}

}  // namespace
}  // namespace probe
