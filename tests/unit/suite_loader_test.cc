#include "suite_loader.h"

#include <gtest/gtest.h>
#include <re2/re2.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "fake_http_client.h"
#include "yaml_reader.h"

namespace probe {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::format_all;
using testing::write_test_file;

std::string fixture(const std::string& name) {
  return std::string(PROBE_TEST_DATA) + "/suites/" + name;
}

// Loads suite YAML text that must not load and returns its diagnostics.
Diagnostics load_errors(const std::string& yaml) {
  auto suite = load_suite(write_test_file(yaml));
  EXPECT_FALSE(suite) << "the suite loaded";
  if (suite)
    return {};
  return suite.error();
}

// Returns the diagnostics reported at `line`.
Diagnostics at_line(const Diagnostics& diagnostics, int line) {
  Diagnostics found;
  for (const Diagnostic& diagnostic : diagnostics) {
    if (diagnostic.location.line == line)
      found.push_back(diagnostic);
  }
  return found;
}

// Builds a one-test suite whose single step is `step` (YAML lines indented for a step's keys).
std::string with_step(const std::string& step) {
  return "name: s\ntests:\n  - name: t\n    steps:\n      - " + step;
}

TEST(SuiteLoader, LoadsEveryPart) {
  auto loaded = load_suite(fixture("valid.yaml"));

  ASSERT_TRUE(loaded) << format_all(loaded.error());
  const Suite& suite = *loaded;
  EXPECT_EQ(suite.name, "full suite");
  EXPECT_EQ(suite.description, "Uses every part of the suite format.");
  EXPECT_EQ(suite.tags, (std::vector<std::string>{"smoke", "systems"}));
  EXPECT_EQ(suite.variables.value, (json{{"system", "sys-1"}, {"limit", 10}}));
  EXPECT_EQ(suite.defaults.auth, AuthKind::user);
  EXPECT_EQ(suite.defaults.timeout_seconds, 20);
  EXPECT_FALSE(suite.defaults.follow_redirects);
  EXPECT_EQ(suite.defaults.max_redirects, 3);
  EXPECT_EQ(suite.defaults.headers.value, (json{{"Accept", "application/json"}}));
  ASSERT_EQ(suite.tests.size(), 3u);
}

TEST(SuiteLoader, LoadsStepParts) {
  auto loaded = load_suite(fixture("valid.yaml"));
  ASSERT_TRUE(loaded) << format_all(loaded.error());

  const TestSpec& test = loaded->tests.at(0);
  EXPECT_EQ(test.name, "list systems");
  EXPECT_EQ(test.tags, std::vector<std::string>{"read"});
  EXPECT_EQ(test.location.line, 15);
  ASSERT_EQ(test.steps.size(), 2u);
  EXPECT_EQ(test.steps[0].name, "list");
  EXPECT_EQ(test.steps[1].name, "step 2");
  EXPECT_EQ(test.steps[0].request.url.value, "/v3/systems/${system}");
  EXPECT_EQ(test.steps[0].request.query.value, (json{{"limit", "${limit}"}}));
  EXPECT_EQ(test.steps[0].request.auth.kind, AuthKind::inherit);
}

TEST(SuiteLoader, LoadsCaptures) {
  auto loaded = load_suite(fixture("valid.yaml"));
  ASSERT_TRUE(loaded) << format_all(loaded.error());

  const std::vector<CaptureSpec>& captures = loaded->tests.at(0).steps.at(0).captures;
  ASSERT_EQ(captures.size(), 6u);
  EXPECT_EQ(captures[0].name, "first");
  EXPECT_EQ(captures[0].source, CaptureSource::json);
  ASSERT_TRUE(captures[0].path.has_value());
  EXPECT_TRUE(captures[0].path->is_singular());
  EXPECT_EQ(captures[1].source, CaptureSource::json);
  EXPECT_FALSE(captures[1].path->is_singular());
  EXPECT_EQ(captures[2].source, CaptureSource::header);
  EXPECT_EQ(captures[2].expression, "Location");
  EXPECT_EQ(captures[3].source, CaptureSource::regex);
  EXPECT_EQ(captures[3].group, 1);
  ASSERT_NE(captures[3].regex, nullptr);
  EXPECT_EQ(captures[4].source, CaptureSource::status);
  EXPECT_EQ(captures[5].source, CaptureSource::body);
  EXPECT_TRUE(captures[5].secret);
  EXPECT_FALSE(captures[4].secret);
}

TEST(SuiteLoader, LoadsAssertions) {
  auto loaded = load_suite(fixture("valid.yaml"));
  ASSERT_TRUE(loaded) << format_all(loaded.error());

  const std::vector<AssertionSpec>& assertions = loaded->tests.at(0).steps.at(0).assertions;
  ASSERT_EQ(assertions.size(), 9u);
  EXPECT_EQ(assertions[0].subject, Subject::status);
  EXPECT_EQ(assertions[0].op, "in");
  EXPECT_EQ(assertions[0].expected.value, json({200, 201}));
  EXPECT_EQ(assertions[1].subject, Subject::header);
  EXPECT_EQ(assertions[1].target, "content-type");
  EXPECT_EQ(assertions[1].op, "contains");

  // JSON assertions, in file order: $.status, $.result (type, then length), $.result[0].id,
  // $.message.
  EXPECT_EQ(assertions[2].target, "$.status");
  EXPECT_EQ(assertions[2].op, "eq");
  EXPECT_EQ(assertions[3].target, "$.result");
  EXPECT_EQ(assertions[3].op, "type");
  EXPECT_FALSE(assertions[3].on_length);
  EXPECT_EQ(assertions[4].op, "gt");
  EXPECT_TRUE(assertions[4].on_length);
  EXPECT_EQ(assertions[5].op, "matches");
  ASSERT_NE(assertions[5].regex, nullptr);
  EXPECT_EQ(assertions[6].op, "exists");
  EXPECT_EQ(assertions[6].expected.value, false);

  EXPECT_EQ(assertions[7].subject, Subject::body);
  EXPECT_EQ(assertions[7].op, "contains");
  EXPECT_EQ(assertions[8].subject, Subject::duration);
  EXPECT_EQ(assertions[8].op, "lt");
  EXPECT_EQ(assertions[8].expected.value, 2.0);
}

TEST(SuiteLoader, SharesCompiledPatterns) {
  Suite suite = testing::load_suite_text(
      "name: s\ntests:\n"
      "  - name: a\n    steps:\n      - request: {url: /a}\n"
      "        assert: {json: {$.id: {matches: '^[0-9]+$'}}}\n"
      "        capture: {v: {regex: 'id=([0-9]+)'}}\n"
      "  - name: b\n    steps:\n      - request: {url: /b}\n"
      "        assert: {json: {$.id: {matches: '^[0-9]+$'}, $.name: {matches: '^x'}}}\n"
      "        capture: {v: {regex: 'id=([0-9]+)'}}\n");
  ASSERT_EQ(suite.tests.size(), 2u);
  const StepSpec& a = suite.tests[0].steps.at(0);
  const StepSpec& b = suite.tests[1].steps.at(0);
  ASSERT_EQ(a.assertions.size(), 1u);
  ASSERT_EQ(b.assertions.size(), 2u);
  ASSERT_NE(a.assertions[0].regex, nullptr);
  EXPECT_EQ(a.assertions[0].regex.get(), b.assertions[0].regex.get());
  EXPECT_NE(b.assertions[0].regex.get(), b.assertions[1].regex.get());
  EXPECT_EQ(b.assertions[1].regex->pattern(), "^x");
  ASSERT_NE(a.captures.at(0).regex, nullptr);
  EXPECT_EQ(a.captures[0].regex.get(), b.captures.at(0).regex.get());
  ASSERT_TRUE(b.assertions[0].path.has_value());
  EXPECT_EQ(b.assertions[0].path->text(), "$.id");
  EXPECT_EQ(b.assertions[1].path->text(), "$.name");
}

TEST(SuiteLoader, ScalarCleanupStepIsError) {
  Diagnostics errors = load_errors(
      "name: s\ntests:\n  - name: t\n    steps:\n      - request: {url: /a}\n"
      "    cleanup:\n      - just text\n");
  ASSERT_EQ(errors.size(), 1u) << format_all(errors);
  EXPECT_EQ(errors[0].message, "a step must be a mapping, not a scalar");
  EXPECT_EQ(errors[0].location.line, 7);
  EXPECT_EQ(errors[0].location.column, 9);
}

TEST(SuiteLoader, LoadsRequestVariants) {
  auto loaded = load_suite(fixture("valid.yaml"));
  ASSERT_TRUE(loaded) << format_all(loaded.error());

  const TestSpec& skipped = loaded->tests.at(1);
  EXPECT_EQ(skipped.skip, "not on this site");
  const RequestSpec& post = skipped.steps.at(0).request;
  EXPECT_EQ(post.method.value, "POST");
  EXPECT_TRUE(post.has_json);
  EXPECT_EQ(post.json.value, (json{{"id", "app-1"}, {"version", "1.0"}, {"cores", 4}}));
  EXPECT_EQ(post.auth.kind, AuthKind::none);
  EXPECT_EQ(post.timeout_seconds, 0.5);

  const RequestSpec& put = loaded->tests.at(2).steps.at(0).request;
  EXPECT_FALSE(put.has_json);
  EXPECT_EQ(put.form.value, (json{{"a", 1}}));
  EXPECT_EQ(put.auth.kind, AuthKind::basic);
  EXPECT_EQ(put.auth.username.value, "u");
  EXPECT_EQ(put.follow_redirects, false);
}

TEST(SuiteLoader, ReportsEveryErrorWithLocation) {
  const std::string path = fixture("errors.yaml");

  auto loaded = load_suite(path);

  ASSERT_FALSE(loaded);
  const Diagnostics& all = loaded.error();
  for (const Diagnostic& diagnostic : all)
    EXPECT_EQ(diagnostic.location.file, path);

  Diagnostics suite_key = at_line(all, 2);
  ASSERT_EQ(suite_key.size(), 1u) << format_all(all);
  EXPECT_EQ(suite_key[0].message, "unknown key 'descripton' in the suite");
  EXPECT_EQ(suite_key[0].hint, "did you mean 'description'?");
  EXPECT_EQ(suite_key[0].location.column, 1);

  Diagnostics step_key = at_line(all, 8);
  ASSERT_EQ(step_key.size(), 1u) << format_all(all);
  EXPECT_EQ(step_key[0].message, "unknown key 'asert' in a step");
  EXPECT_EQ(step_key[0].hint, "did you mean 'assert'?");
  EXPECT_EQ(step_key[0].location.column, 9);

  Diagnostics method = at_line(all, 13);
  ASSERT_EQ(method.size(), 2u) << format_all(all);
  EXPECT_EQ(method[0].message, "unknown HTTP method 'FETCH'");
  EXPECT_EQ(method[0].location.column, 19);
  EXPECT_TRUE(method[1].message.starts_with("a request can have only one of 'json', 'form', "))
      << method[1].message;
  EXPECT_EQ(method[1].location.column, 11);

  Diagnostics url = at_line(all, 20);
  ASSERT_EQ(url.size(), 1u) << format_all(all);
  EXPECT_EQ(url[0].message, "the request has no 'url'");
  EXPECT_EQ(url[0].location.column, 11);
}

TEST(SuiteLoader, ReportsPathRegexAndTypeErrors) {
  auto loaded = load_suite(fixture("errors.yaml"));

  ASSERT_FALSE(loaded);
  const Diagnostics& all = loaded.error();

  Diagnostics capture_path = at_line(all, 26);
  ASSERT_EQ(capture_path.size(), 1u) << format_all(all);
  EXPECT_TRUE(capture_path[0].message.starts_with("invalid JSONPath \"$.result[0\": "))
      << capture_path[0].message;
  EXPECT_GE(capture_path[0].location.column, 15);
  EXPECT_LE(capture_path[0].location.column, 25);

  Diagnostics capture_regex = at_line(all, 27);
  ASSERT_EQ(capture_regex.size(), 1u) << format_all(all);
  EXPECT_TRUE(capture_regex[0].message.starts_with("invalid regex \"([a-z]+\": "))
      << capture_regex[0].message;
  EXPECT_EQ(capture_regex[0].location.column, 25);

  Diagnostics assert_path = at_line(all, 30);
  ASSERT_EQ(assert_path.size(), 1u) << format_all(all);
  EXPECT_TRUE(assert_path[0].message.starts_with("invalid JSONPath \"$.result..\": "));

  Diagnostics matches = at_line(all, 31);
  ASSERT_EQ(matches.size(), 1u) << format_all(all);
  EXPECT_TRUE(matches[0].message.starts_with("invalid regex \"a(b\": ")) << matches[0].message;
  EXPECT_EQ(matches[0].location.column, 31);

  Diagnostics duplicate_test = at_line(all, 32);
  ASSERT_EQ(duplicate_test.size(), 1u) << format_all(all);
  EXPECT_EQ(duplicate_test[0].message, "duplicate test name 'typo in a step'");
  EXPECT_EQ(duplicate_test[0].location.column, 11);

  Diagnostics timeout = at_line(all, 36);
  ASSERT_EQ(timeout.size(), 1u) << format_all(all);
  EXPECT_EQ(timeout[0].message, "'timeout' must be a duration such as 500ms, 30s, 2m or 1h");
  EXPECT_EQ(timeout[0].location.column, 20);

  Diagnostics duplicate_key = at_line(all, 39);
  ASSERT_EQ(duplicate_key.size(), 1u) << format_all(all);
  EXPECT_EQ(duplicate_key[0].message, "duplicate key 'Accept'");
  EXPECT_EQ(duplicate_key[0].location.column, 13);

  EXPECT_EQ(all.size(), 12u) << format_all(all);
}

TEST(SuiteLoader, FormatsDiagnosticWithCaret) {
  const std::string path = fixture("errors.yaml");
  auto loaded = load_suite(path);
  ASSERT_FALSE(loaded);
  Diagnostics step_key = at_line(loaded.error(), 8);
  ASSERT_EQ(step_key.size(), 1u);

  std::string text = format_diagnostic(step_key[0]);

  EXPECT_EQ(text, path + ":8:9: error: unknown key 'asert' in a step\n" +
                      "          asert:\n"
                      "          ^\n"
                      "  hint: did you mean 'assert'?\n");
}

TEST(Diagnostics, LongLineIsCutAroundColumn) {
  const fs::path file = fs::path(::testing::TempDir()) / "probe-long-line.yaml";
  std::ofstream(file) << "a: " << std::string(5000, 'x') << "!" << std::string(5000, 'y') << "\n";
  Diagnostic problem{{file.string(), 1, 5004}, "bad", {}};

  std::string text = format_diagnostic(problem);

  EXPECT_LT(text.size(), 500u) << text;
  std::istringstream lines(text);
  std::string header, source, caret;
  std::getline(lines, header);
  std::getline(lines, source);
  std::getline(lines, caret);
  ASSERT_EQ(caret.find('^'), caret.size() - 1) << caret;
  EXPECT_EQ(source[caret.size() - 1], '!') << source << "\n" << caret;
  EXPECT_TRUE(source.starts_with("  ...")) << source;
  EXPECT_TRUE(source.ends_with("...")) << source;
  fs::remove(file);
}

TEST(SuiteLoader, DuplicateKeyReportedOnce) {
  const char* cases[] = {
      "request:\n          url: /a\n        request:\n          url: /b\n",
      "request:\n          url: /a\n          json:\n            a: 1\n            a: 2\n",
  };
  for (const char* step : cases) {
    Diagnostics errors = load_errors(with_step(step));

    ASSERT_EQ(errors.size(), 1u) << format_all(errors);
    EXPECT_TRUE(errors[0].message.starts_with("duplicate key '")) << errors[0].message;
  }
}

TEST(SuiteLoader, DuplicateVariableReportedOnce) {
  Diagnostics errors = load_errors(
      "name: s\nvariables:\n  a: 1\n  a: 2\ntests:\n  - name: t\n    steps:\n"
      "      - request: {url: /x}\n");

  ASSERT_EQ(errors.size(), 1u) << format_all(errors);
  EXPECT_EQ(errors[0].message, "duplicate key 'a'");
  EXPECT_EQ(errors[0].location.line, 4);
  EXPECT_EQ(errors[0].location.column, 3);
}

TEST(SuiteLoader, WrongTypes) {
  struct Case {
    std::string yaml;
    std::string message;
  };
  const Case cases[] = {
      {"name: s\ntests: {a: 1}\n", "'tests' must be a list"},
      {"name: [a]\ntests: []\n", "'name' must be text, not a list"},
      {"name: s\ntags: {a: 1}\ntests: []\n", "'tags' must be a list of text values"},
      {with_step("request: {url: /x, query: [a, b]}\n"),
       "'query' must be a mapping of names to values"},
      {with_step("request: {url: /x, redirects: {max: lots}}\n"),
       "'redirects.max' must be a whole number"},
      {with_step("request: {url: /x, redirects: {max: 101}}\n"),
       "'redirects.max' must be between 0 and 100"},
      {with_step("request: {url: /x, headers: {A: [1]}}\n"),
       "'headers' value 'A' must be text or a number"},
      {with_step("request: {url: /x}\n        assert: {json: {$.a: {exists: yes}}}\n"),
       "'exists' must be true or false"},
      {with_step("request: {url: /x}\n        assert: {json: {$.a: {in: 3}}}\n"),
       "'in' needs a list of accepted values"},
      {with_step("request: {url: /x}\n        assert: {json: {$.a: {lt: [1]}}}\n"),
       "'lt' needs a single value"},
      {with_step("request: {url: /x, auth: admin}\n"), "unknown auth 'admin'"},
  };
  for (const Case& c : cases) {
    Diagnostics errors = load_errors(c.yaml);

    ASSERT_EQ(errors.size(), 1u) << c.yaml << format_all(errors);
    EXPECT_EQ(errors[0].message, c.message) << c.yaml;
    EXPECT_GT(errors[0].location.line, 0) << c.yaml;
  }
}

TEST(SuiteLoader, UnknownOperatorAndTypeSuggest) {
  Diagnostics op =
      load_errors(with_step("request: {url: /x}\n        assert: {json: {$.a: {eqq: 1}}}\n"));
  Diagnostics type =
      load_errors(with_step("request: {url: /x}\n        assert: {json: {$.a: {type: strng}}}\n"));

  ASSERT_EQ(op.size(), 1u) << format_all(op);
  EXPECT_EQ(op[0].message, "unknown key 'eqq' in the assertion on '$.a'");
  EXPECT_EQ(op[0].hint, "did you mean 'eq'?");
  ASSERT_EQ(type.size(), 1u) << format_all(type);
  EXPECT_EQ(type[0].message, "unknown type 'strng'");
  EXPECT_EQ(type[0].hint, "did you mean 'string'?");
}

TEST(SuiteLoader, UnknownKeyWithoutCloseMatchListsKeys) {
  Diagnostics errors = load_errors(with_step("request: {url: /x, payload: 1}\n"));

  ASSERT_EQ(errors.size(), 1u) << format_all(errors);
  EXPECT_EQ(errors[0].message, "unknown key 'payload' in 'request'");
  EXPECT_TRUE(errors[0].hint.starts_with("known keys: method, url")) << errors[0].hint;
}

TEST(SuiteLoader, CaptureErrors) {
  Diagnostics two_sources = load_errors(with_step(
      "request: {url: /x}\n        capture:\n          id: {json: $.id, header: X-Id}\n"));
  Diagnostics bad_group = load_errors(
      with_step("request: {url: /x}\n        capture:\n          id: {regex: 'a(b)', group: 2}\n"));

  ASSERT_EQ(two_sources.size(), 1u) << format_all(two_sources);
  EXPECT_TRUE(two_sources[0].message.starts_with(
      "capture 'id' needs exactly one of json, header, regex, status, body"))
      << two_sources[0].message;
  EXPECT_EQ(two_sources[0].location.line, 7);
  Diagnostics huge_group = load_errors(with_step(
      "request: {url: /x}\n        capture:\n          id: {regex: 'a(b)', group: 4294967297}\n"));
  Diagnostics no_group =
      load_errors(with_step("request: {url: /x}\n        capture:\n          id: {regex: 'ab'}\n"));

  ASSERT_EQ(huge_group.size(), 1u) << format_all(huge_group);
  EXPECT_EQ(huge_group[0].message, "the regex has no group 4294967297");
  ASSERT_EQ(no_group.size(), 1u) << format_all(no_group);
  EXPECT_EQ(no_group[0].message, "the regex has no group 1");
  ASSERT_EQ(bad_group.size(), 1u) << format_all(bad_group);
  EXPECT_EQ(bad_group[0].message, "the regex has no group 2");
  EXPECT_EQ(bad_group[0].location.line, 7);
  EXPECT_EQ(bad_group[0].location.column, 38);
}

TEST(SuiteLoader, MethodWithVariableIsNotChecked) {
  auto suite = load_suite(write_test_file(with_step("request: {url: /x, method: \"${m}\"}\n")));

  ASSERT_TRUE(suite) << format_all(suite.error());
}

TEST(SuiteLoader, MissingParts) {
  Diagnostics no_name =
      load_errors("tests:\n  - name: t\n    steps:\n      - request: {url: /x}\n");
  Diagnostics no_tests = load_errors("name: s\n");
  Diagnostics no_steps = load_errors("name: s\ntests:\n  - name: t\n");
  Diagnostics no_request = load_errors(with_step("name: only a name\n"));

  ASSERT_EQ(no_name.size(), 1u);
  EXPECT_EQ(no_name[0].message, "the suite has no 'name'");
  ASSERT_EQ(no_tests.size(), 1u);
  EXPECT_EQ(no_tests[0].message, "the suite has no 'tests'");
  ASSERT_EQ(no_steps.size(), 1u);
  EXPECT_EQ(no_steps[0].message, "test 't' has no 'steps'");
  EXPECT_EQ(no_steps[0].location.line, 3);
  ASSERT_EQ(no_request.size(), 1u);
  EXPECT_EQ(no_request[0].message, "the step has no 'request'");
}

TEST(SuiteLoader, InvalidYamlAndMissingFile) {
  Diagnostics syntax = load_errors("name: s\ntests:\n  - name: [unclosed\n");
  Diagnostics empty = load_errors("");
  auto missing = load_suite(fixture("does-not-exist.yaml"));

  ASSERT_EQ(syntax.size(), 1u);
  EXPECT_TRUE(syntax[0].message.starts_with("invalid YAML: ")) << syntax[0].message;
  EXPECT_GT(syntax[0].location.line, 0);
  ASSERT_EQ(empty.size(), 1u);
  EXPECT_EQ(empty[0].message, "the file is empty");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().at(0).message, "cannot read file");
}

TEST(SuiteFiles, FolderIsNotAFile) {
  auto root = load_yaml_file(::testing::TempDir());
  ASSERT_FALSE(root);
  EXPECT_EQ(root.error().message, "is a folder, not a file");
}

TEST(SuiteFiles, FolderIsSearchedRecursivelyAndSorted) {
  const fs::path root = fs::path(::testing::TempDir()) / "probe-suite-files";
  fs::remove_all(root);
  fs::create_directories(root / "b" / "nested");
  fs::create_directories(root / "empty");
  for (const char* name : {"b/nested/z.yml", "b/a.yaml", "c.yaml", "notes.txt"})
    std::ofstream(root / name) << "name: x\n";

  auto found = find_suite_files({(root / "c.yaml").string(), root.string()});
  auto empty = find_suite_files({(root / "empty").string()});
  auto missing = find_suite_files({(root / "nope").string()});

  ASSERT_TRUE(found) << format_all(found.error());
  // c.yaml, named and found in the folder too, is listed once, where it first appears.
  EXPECT_EQ(*found,
            (std::vector<std::string>{(root / "c.yaml").string(), (root / "b/a.yaml").string(),
                                      (root / "b/nested/z.yml").string()}));
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().at(0).message, "folder contains no suite files (*.yaml, *.yml)");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().at(0).message, "suite path not found");
  fs::remove_all(root);
}

// YAML 1.2 core schema typing of plain scalars. Quoted scalars are always strings.
TEST(YamlTyping, PlainScalars) {
  EXPECT_EQ(resolve_plain_scalar("null"), json(nullptr));
  EXPECT_EQ(resolve_plain_scalar("~"), json(nullptr));
  EXPECT_EQ(resolve_plain_scalar(""), json(nullptr));
  EXPECT_EQ(resolve_plain_scalar("true"), json(true));
  EXPECT_EQ(resolve_plain_scalar("False"), json(false));
  EXPECT_EQ(resolve_plain_scalar("42"), json(42));
  EXPECT_EQ(resolve_plain_scalar("-17"), json(-17));
  EXPECT_EQ(resolve_plain_scalar("+5"), json(5));
  EXPECT_EQ(resolve_plain_scalar("0x1F"), json(31));
  EXPECT_EQ(resolve_plain_scalar("0o17"), json(15));
  EXPECT_EQ(resolve_plain_scalar("1.5"), json(1.5));
  EXPECT_EQ(resolve_plain_scalar("-.5"), json(-0.5));
  EXPECT_EQ(resolve_plain_scalar("1e3"), json(1000.0));
  EXPECT_TRUE(resolve_plain_scalar("1e3").is_number_float());
  EXPECT_EQ(resolve_plain_scalar(".inf"), json(std::numeric_limits<double>::infinity()));
  EXPECT_EQ(resolve_plain_scalar("-.inf"), json(-std::numeric_limits<double>::infinity()));
}

TEST(YamlTyping, YamlOneOneWordsStayStrings) {
  for (const char* word : {"yes", "no", "on", "off", "Yes", "NO", "y", "n"})
    EXPECT_EQ(resolve_plain_scalar(word), json(word)) << word;
}

TEST(YamlTyping, NotNumbersStayStrings) {
  for (const char* text : {"1.2.3", "0x", "0o8", "1_000", "12abc", "v1", "1e", "0b101", "--1"})
    EXPECT_EQ(resolve_plain_scalar(text), json(text)) << text;
}

TEST(YamlTyping, IntegersBeyond64BitsAreNotRounded) {
  EXPECT_EQ(resolve_plain_scalar("9223372036854775807"), json(9223372036854775807LL));
  EXPECT_EQ(resolve_plain_scalar("18446744073709551615"), json(18446744073709551615ULL));
  EXPECT_EQ(resolve_plain_scalar("18446744073709551616"), json("18446744073709551616"));
  EXPECT_EQ(resolve_plain_scalar("-9223372036854775809"), json("-9223372036854775809"));
  EXPECT_EQ(resolve_plain_scalar("0x10000000000000000"), json("0x10000000000000000"));
}

TEST(YamlTyping, OutOfRangeFloatDoesNotThrow) {
  json huge;
  json tiny;

  EXPECT_NO_THROW(huge = resolve_plain_scalar("1e400"));
  EXPECT_NO_THROW(tiny = resolve_plain_scalar("1e-400"));

  EXPECT_EQ(huge, json("1e400"));
  EXPECT_EQ(tiny, json("1e-400"));
}

TEST(YamlTyping, QuotedScalarsAreStrings) {
  Diagnostics diagnostics;
  YamlReader reader("x.yaml", diagnostics);

  Template value = reader.to_template(testing::parse_test_yaml(
      "a: \"42\"\nb: 'true'\nc: \"null\"\nd: 42\ne: yes\nf: 0x10\ng: \"\"\nh:\n"));

  EXPECT_TRUE(diagnostics.empty());
  EXPECT_EQ(value.value, (json{{"a", "42"},
                               {"b", "true"},
                               {"c", "null"},
                               {"d", 42},
                               {"e", "yes"},
                               {"f", 16},
                               {"g", ""},
                               {"h", nullptr}}));
}

TEST(YamlTyping, HugeDurationIsError) {
  Diagnostics errors =
      load_errors(with_step("request: {url: /x, timeout: " + std::string(400, '9') + "s}\n"));

  ASSERT_EQ(errors.size(), 1u) << format_all(errors);
  EXPECT_TRUE(errors[0].message.starts_with("'timeout' must be")) << errors[0].message;
}

}  // namespace
}  // namespace probe
