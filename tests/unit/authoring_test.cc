// Reuse in suites: included fragments, data rows, YAML merge keys, and how values are typed.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "commands.h"
#include "executor.h"
#include "fake_http_client.h"
#include "suite_check.h"
#include "suite_loader.h"
#include "yaml_reader.h"

namespace probe {
namespace {

using nlohmann::json;
using testing::format_all;
using testing::json_response;
using testing::load_suite_text;
using testing::OfflineRun;
using testing::write_test_file;

constexpr const char* kLoginFragment =
    "fragment: login\n"
    "parameters:\n"
    "  username:\n"
    "  expected_status: 200\n"
    "steps:\n"
    "  - name: token\n"
    "    request:\n"
    "      method: POST\n"
    "      url: /v3/oauth2/tokens\n"
    "      json: {username: \"${username}\", grant_type: password}\n"
    "    assert:\n"
    "      status: ${expected_status}\n"
    "    capture: {token: $.result.token}\n";

std::string suite_including(const std::string& fragment_path, const std::string& include_keys,
                            const std::string& preamble = {}) {
  return "name: s\n" + preamble +
         "tests:\n"
         "  - name: t\n"
         "    steps:\n"
         "      - include: " +
         fragment_path + "\n" + include_keys +
         "      - name: use\n"
         "        request: {url: \"/v3/systems?token=${tok}\"}\n";
}

// --- includes ---

TEST(Include, StepsAreNamedAfterTheFragment) {
  std::string fragment = write_test_file(kLoginFragment);
  Suite suite = load_suite_text(suite_including(
      fragment, "        with: {username: alice}\n        capture: {tok: token}\n"));
  ASSERT_EQ(suite.tests.size(), 1u);
  ASSERT_EQ(suite.tests[0].steps.size(), 2u);
  const StepSpec& include = suite.tests[0].steps[0];
  ASSERT_TRUE(include.include);
  EXPECT_EQ(include.name, "login");
  ASSERT_EQ(include.include->steps.size(), 1u);
  EXPECT_EQ(include.include->steps[0].name, "login: token");
  EXPECT_EQ(include.include->parameters, (std::vector<std::string>{"username", "expected_status"}));
}

TEST(Include, ParametersGoInCapturesComeBack) {
  std::string fragment = write_test_file(kLoginFragment);
  OfflineRun run;
  run.client.on("POST", "https://tapis.test/v3/oauth2/tokens",
                json_response(200, json{{"result", {{"token", "T-1"}}}}));
  run.client.on("GET", "https://tapis.test/v3/systems?token=T-1", json_response(200, json{}));

  SuiteResult result = run.run(suite_including(fragment,
                                               "        with: {username: \"${user}\"}\n"
                                               "        capture: {tok: token}\n",
                                               "variables: {user: alice}\n"));

  ASSERT_EQ(run.client.requests.size(), 2u);
  EXPECT_EQ(json::parse(run.client.requests[0].body)["username"], "alice");
  EXPECT_EQ(run.client.requests[1].url, "https://tapis.test/v3/systems?token=T-1");
  const TestResult& test = result.tests.at(0);
  EXPECT_EQ(test.outcome, Outcome::passed) << test.message;
  ASSERT_EQ(test.steps.size(), 2u);
  EXPECT_EQ(test.steps[0].name, "login: token");
  EXPECT_EQ(test.steps[1].name, "use");
}

TEST(Include, DefaultApplies) {
  std::string fragment = write_test_file(kLoginFragment);
  OfflineRun run;
  run.client.on("POST", "https://tapis.test/v3/oauth2/tokens",
                json_response(201, json{{"result", {{"token", "T"}}}}));

  SuiteResult result = run.run(
      suite_including(fragment, "        with: {username: bob}\n        capture: {tok: token}\n"));

  const TestResult& test = result.tests.at(0);
  ASSERT_FALSE(test.steps.empty());
  EXPECT_EQ(test.steps[0].outcome, Outcome::failed) << "201 must fail the default status 200";
}

TEST(Include, FragmentDoesNotSeeCallerVariables) {
  std::string fragment =
      write_test_file("fragment: leak\nsteps:\n  - request: {url: \"/v3/x/${secret_path}\"}\n");
  OfflineRun run;
  SuiteResult result = run.run(
      "name: s\nvariables: {secret_path: a}\ntests:\n  - name: t\n"
      "    steps:\n      - include: " +
      fragment + "\n");
  EXPECT_TRUE(run.client.requests.empty());
  const TestResult& test = result.tests.at(0);
  EXPECT_EQ(test.outcome, Outcome::error);
  EXPECT_NE(test.message.find("undefined variable 'secret_path'"), std::string::npos)
      << test.message;
}

TEST(Include, CheckReportsFragmentVariableWithIncludeChain) {
  std::string fragment =
      write_test_file("fragment: leak\nsteps:\n  - request: {url: \"/v3/x/${secret_path}\"}\n");
  Suite suite = load_suite_text(
      "name: s\nvariables: {secret_path: a}\ntests:\n  - name: t\n"
      "    steps:\n      - include: " +
      fragment + "\n");
  Site site = testing::load_site_text(testing::kFakeSite);
  Diagnostics problems = check_variables({suite}, &site, {});
  ASSERT_EQ(problems.size(), 1u) << format_all(problems);
  EXPECT_EQ(problems[0].location.file, fragment);
  EXPECT_EQ(problems[0].location.line, 3);
  ASSERT_EQ(problems[0].included_from.size(), 1u);
  EXPECT_EQ(problems[0].included_from[0].line, 6);
  EXPECT_NE(problems[0].hint.find("'parameters:'"), std::string::npos) << problems[0].hint;
}

TEST(Include, NestedFragmentsAndRelativePaths) {
  std::filesystem::path folder =
      std::filesystem::path(::testing::TempDir()) / "probe-include-nested";
  std::filesystem::create_directories(folder / "fragments");
  std::ofstream(folder / "fragments" / "inner.yaml")
      << "fragment: inner\nparameters: {id:}\nsteps:\n"
         "  - request: {url: \"/v3/inner/${id}\"}\n    capture: {v: $.v}\n";
  std::ofstream(folder / "fragments" / "outer.yaml")
      << "fragment: outer\nparameters: {id:}\nsteps:\n"
         "  - include: inner.yaml\n    with: {id: \"${id}-x\"}\n    capture: {w: v}\n"
         "  - request: {url: \"/v3/outer/${w}\"}\n    capture: {out: $.v}\n";
  std::ofstream(folder / "suite.yaml")
      << "name: s\ntests:\n  - name: t\n    steps:\n"
         "      - include: fragments/outer.yaml\n        with: {id: 7}\n"
         "        capture: {result: out}\n"
         "      - request: {url: \"/v3/final/${result}\"}\n";

  auto suite = load_suite((folder / "suite.yaml").string());
  ASSERT_TRUE(suite) << format_all(suite.error());
  OfflineRun run;
  run.client.on("GET", "https://tapis.test/v3/inner/7-x", json_response(200, json{{"v", 1}}));
  run.client.on("GET", "https://tapis.test/v3/outer/1", json_response(200, json{{"v", "z"}}));
  run.client.on("GET", "https://tapis.test/v3/final/z", json_response(200, json{}));
  Executor executor(run.site, run.options, run.client, run.redactor, run.observer);
  SuiteResult result = executor.run_suite(*suite);

  const TestResult& test = result.tests.at(0);
  EXPECT_EQ(test.outcome, Outcome::passed) << test.message;
  ASSERT_EQ(test.steps.size(), 3u);
  EXPECT_EQ(test.steps[0].name, "outer: inner: step 1");
  EXPECT_EQ(test.steps[2].request_line, "GET https://tapis.test/v3/final/z");
}

TEST(Include, CycleIsError) {
  std::filesystem::path folder = std::filesystem::path(::testing::TempDir()) / "probe-cycle";
  std::filesystem::create_directories(folder);
  std::ofstream(folder / "a.yaml") << "fragment: a\nsteps:\n  - include: b.yaml\n";
  std::ofstream(folder / "b.yaml") << "fragment: b\nsteps:\n  - include: ./a.yaml\n";
  std::ofstream(folder / "suite.yaml")
      << "name: s\ntests:\n  - name: t\n    steps:\n      - include: a.yaml\n";

  auto suite = load_suite((folder / "suite.yaml").string());
  ASSERT_FALSE(suite);
  ASSERT_EQ(suite.error().size(), 1u) << format_all(suite.error());
  const Diagnostic& cycle = suite.error()[0];
  EXPECT_EQ(cycle.location.file, (folder / "b.yaml").string());
  EXPECT_NE(cycle.message.find("include cycle"), std::string::npos) << cycle.message;
  EXPECT_EQ(cycle.included_from.size(), 2u);
}

TEST(Rows, RowsFileAloneIsNotASuite) {
  // A folder of suites may hold the YAML rows files they use; loading the folder skips them.
  auto loaded = load_suite(write_test_file("- {k: a}\n- {k: b}\n"));
  ASSERT_TRUE(loaded) << format_all(loaded.error());
  EXPECT_TRUE(loaded->support_file);
  EXPECT_TRUE(loaded->tests.empty());
}

TEST(Include, FragmentFileAloneIsCheckedNotRun) {
  auto loaded = load_suite(write_test_file(kLoginFragment));
  ASSERT_TRUE(loaded) << format_all(loaded.error());
  EXPECT_TRUE(loaded->support_file);
  EXPECT_TRUE(loaded->tests.empty());

  auto broken = load_suite(write_test_file("fragment: f\nsteps:\n  - requst: {url: /x}\n"));
  ASSERT_FALSE(broken);
  EXPECT_NE(format_all(broken.error()).find("did you mean 'request'?"), std::string::npos);
}

// --- data rows ---

TEST(Rows, OneTestPerInlineRow) {
  OfflineRun run;
  run.client.fallback([](const HttpRequest&) { return json_response(200, json{}); });
  SuiteResult result = run.run(
      "name: s\ntests:\n"
      "  - name: system ${id} answers\n"
      "    rows:\n      - {id: a, port: 1}\n      - {id: b, port: 2}\n"
      "    steps:\n      - request: {url: \"/v3/systems/${id}/${port}\"}\n");

  ASSERT_EQ(result.tests.size(), 2u);
  EXPECT_EQ(result.tests[0].name, "system a answers");
  EXPECT_EQ(result.tests[1].name, "system b answers");
  EXPECT_EQ(result.tests[1].location.line, 6);
  ASSERT_EQ(run.client.requests.size(), 2u);
  EXPECT_EQ(run.client.requests[0].url, "https://tapis.test/v3/systems/a/1");
  EXPECT_EQ(run.client.requests[1].url, "https://tapis.test/v3/systems/b/2");
}

TEST(Rows, NameWithoutReferenceGetsRowValues) {
  Suite suite = load_suite_text(
      "name: s\ntests:\n  - name: health\n    rows: [{svc: apps, n: 1}, {svc: jobs, n: 2}]\n"
      "    steps:\n      - request: {url: \"/v3/${svc}/healthcheck\"}\n");
  ASSERT_EQ(suite.tests.size(), 2u);
  EXPECT_EQ(suite.tests[0].name, "health [1, apps]");
  EXPECT_EQ(suite.tests[1].name, "health [2, jobs]");
}

TEST(Rows, RowValuesKeepYamlTypes) {
  OfflineRun run;
  run.client.fallback([](const HttpRequest&) { return json_response(200, json{}); });
  run.run(
      "name: s\ntests:\n  - name: t ${n}\n    rows: [{n: 5, flag: \"5\"}]\n"
      "    steps:\n      - request:\n          method: POST\n          url: /x\n"
      "          json:\n            n: ${n}\n            flag: ${flag}\n");
  ASSERT_EQ(run.client.requests.size(), 1u);
  json body = json::parse(run.client.requests[0].body);
  EXPECT_EQ(body["n"], 5);
  EXPECT_EQ(body["flag"], "5");
}

TEST(Rows, RowWinsOverSuiteVariable) {
  OfflineRun run;
  run.client.fallback([](const HttpRequest&) { return json_response(200, json{}); });
  run.run(
      "name: s\nvariables: {id: suite}\ntests:\n  - name: t ${id}\n    rows: [{id: row}]\n"
      "    steps:\n      - request: {url: \"/x/${id}\"}\n");
  ASSERT_EQ(run.client.requests.size(), 1u);
  EXPECT_EQ(run.client.requests[0].url, "https://tapis.test/x/row");
}

TEST(Rows, CsvFileRowsAreText) {
  std::filesystem::path folder = std::filesystem::path(::testing::TempDir()) / "probe-rows-csv";
  std::filesystem::create_directories(folder);
  std::ofstream(folder / "systems.csv") << "id,count\r\nsys-1,007\r\n\"a,b\",915785e5\r\n";
  std::ofstream(folder / "suite.yaml")
      << "name: s\ntests:\n  - name: ${id}\n    rows: {file: systems.csv}\n"
         "    steps:\n      - request: {method: POST, url: /x, json: {c: \"${count}\"}}\n";
  auto suite = load_suite((folder / "suite.yaml").string());
  ASSERT_TRUE(suite) << format_all(suite.error());
  ASSERT_EQ(suite->tests.size(), 2u);
  EXPECT_EQ(suite->tests[0].name, "sys-1");
  EXPECT_EQ(suite->tests[1].name, "a,b");
  EXPECT_EQ(suite->tests[1].location.file, (folder / "systems.csv").string());
  EXPECT_EQ(suite->tests[1].location.line, 3);
  EXPECT_EQ(suite->tests[0].variables.value["count"], "007");
  EXPECT_EQ(suite->tests[1].variables.value["count"], "915785e5");
}

TEST(Rows, YamlFileRows) {
  std::filesystem::path folder = std::filesystem::path(::testing::TempDir()) / "probe-rows-yaml";
  std::filesystem::create_directories(folder);
  std::ofstream(folder / "rows.yaml") << "- {svc: apps}\n- {svc: jobs}\n- {svc: pods}\n";
  std::ofstream(folder / "suite.yaml")
      << "name: s\ntests:\n  - name: ${svc} health\n    rows: {file: rows.yaml}\n"
         "    steps:\n      - request: {url: \"/v3/${svc}/healthcheck\"}\n";
  auto suite = load_suite((folder / "suite.yaml").string());
  ASSERT_TRUE(suite) << format_all(suite.error());
  ASSERT_EQ(suite->tests.size(), 3u);
  EXPECT_EQ(suite->tests[2].name, "pods health");
  EXPECT_EQ(suite->tests[2].location.line, 3);
}

// --- merge keys and anchors ---

TEST(MergeKeys, ExplicitKeysWinAndListOrderCounts) {
  std::string path = write_test_file(
      "a: &a {x: 1, y: 1}\n"
      "b: &b {x: 2, z: 2}\n"
      "c:\n  <<: [*a, *b]\n  y: 3\n");
  auto root = load_yaml_file(path);
  ASSERT_TRUE(root) << format_diagnostic(root.error());
  const yaml::Node c = (*root)["c"];
  EXPECT_EQ(c["x"].scalar(), "1");
  EXPECT_EQ(c["y"].scalar(), "3");
  EXPECT_EQ(c["z"].scalar(), "2");
  EXPECT_FALSE(c["<<"]);
  EXPECT_EQ(c.size(), 3u);
}

TEST(MergeKeys, QuotedMergeKeyIsOrdinary) {
  auto root = load_yaml_file(write_test_file("a: &a {x: 1}\nc:\n  \"<<\": *a\n"));
  ASSERT_TRUE(root) << format_diagnostic(root.error());
  EXPECT_TRUE((*root)["c"]["<<"]);
  EXPECT_FALSE((*root)["c"]["x"]);
}

TEST(MergeKeys, MergedRequestRuns) {
  OfflineRun run;
  run.client.fallback([](const HttpRequest&) { return json_response(200, json{}); });
  run.run(
      "name: s\nx-get: &get {method: DELETE, timeout: 5s}\ntests:\n  - name: t\n"
      "    steps:\n      - request:\n          <<: *get\n          url: /v3/x\n");
  ASSERT_EQ(run.client.requests.size(), 1u);
  EXPECT_EQ(run.client.requests[0].method, "DELETE");
}

TEST(MergeKeys, UnknownMergedKeyPointsAtAnchor) {
  auto broken = load_suite(
      write_test_file("name: s\nx-get: &get\n  metod: DELETE\ntests:\n  - name: t\n    steps:\n"
                      "      - request:\n          <<: *get\n          url: /v3/x\n"));
  ASSERT_FALSE(broken);
  ASSERT_EQ(broken.error().size(), 1u) << format_all(broken.error());
  EXPECT_EQ(broken.error()[0].location.line, 3);
  EXPECT_EQ(broken.error()[0].hint, "did you mean 'method'?");
}

TEST(MergeKeys, AnchorsAndAliasesShareValues) {
  Suite suite = load_suite_text(
      "name: s\nx-status: &ok [200, 201]\ntests:\n  - name: t\n    steps:\n"
      "      - request: {url: /a}\n        assert: {status: *ok}\n");
  ASSERT_EQ(suite.tests.at(0).steps.at(0).assertions.size(), 1u);
  EXPECT_EQ(suite.tests[0].steps[0].assertions[0].expected.value, json::array({200, 201}));
}

// --- variable check ---

Diagnostics check_suite_text(const std::string& yaml, const Variables& cli = {}) {
  Suite suite = load_suite_text(yaml);
  Site site = testing::load_site_text(testing::kFakeSite);
  return check_variables({suite}, &site, cli);
}

TEST(VariableCheck, CleanupSeesEveryCapture) {
  Diagnostics problems = check_suite_text(
      "name: s\ntests:\n  - name: t\n    steps:\n"
      "      - request: {method: POST, url: /a}\n        capture: {id: $.id}\n"
      "    cleanup:\n      - request: {method: DELETE, url: \"/a/${id}\"}\n");
  EXPECT_TRUE(problems.empty()) << format_all(problems);
}

TEST(VariableCheck, StepCannotUseOwnCapture) {
  Diagnostics problems = check_suite_text(
      "name: s\ntests:\n  - name: t\n    steps:\n"
      "      - request: {url: /a}\n        capture: {id: $.id}\n"
      "        assert:\n          json:\n            $.copy: ${id}\n");
  ASSERT_EQ(problems.size(), 1u) << format_all(problems);
  EXPECT_EQ(problems[0].message, "undefined variable 'id'");
  EXPECT_EQ(problems[0].location.line, 9);
}

TEST(VariableCheck, PollConditionsAreChecked) {
  Diagnostics problems = check_suite_text(
      "name: s\ntests:\n  - name: t\n    steps:\n      - request: {url: /a}\n"
      "        poll:\n          timeout: 1m\n          until:\n            json:\n"
      "              $.state: ${wanted_state}\n");
  ASSERT_EQ(problems.size(), 1u) << format_all(problems);
  EXPECT_EQ(problems[0].message, "undefined variable 'wanted_state'");
}

TEST(VariableCheck, VarOptionAndBuiltinsDefineNames) {
  Diagnostics problems = check_suite_text(
      "name: s\ntests:\n  - name: t\n    steps:\n"
      "      - request: {url: \"/a/${region}/${run_id}/${random}/${tenant}/${env.HOME}\"}\n",
      {{"region", "us"}});
  EXPECT_TRUE(problems.empty()) << format_all(problems);
}

TEST(VariableCheck, WithoutSiteOnlyMalformedReferences) {
  Suite suite = load_suite_text(
      "name: s\ntests:\n  - name: t\n    steps:\n"
      "      - request: {url: \"/a/${maybe_site}/${bad name}\"}\n");
  Diagnostics problems = check_variables({suite}, nullptr, {});
  ASSERT_EQ(problems.size(), 1u) << format_all(problems);
  EXPECT_NE(problems[0].message.find("invalid variable reference"), std::string::npos)
      << problems[0].message;
}

// A suite whose variable v<k> is v<k-1> written twice, so ${v<levels>} describes
// 10 * 2^levels bytes. `v0` is the first variable's value and `use` is the step's URL.
std::string doubling_suite(int levels, const std::string& v0, const std::string& use) {
  std::string yaml = "name: s\nvariables:\n  v0: \"" + v0 + "\"\n";
  for (int i = 1; i <= levels; ++i) {
    std::string previous = "${v" + std::to_string(i - 1) + "}";
    yaml += "  v" + std::to_string(i) + ": \"" + previous + previous + "\"\n";
  }
  return yaml + "tests:\n  - name: t\n    steps:\n      - request: {url: \"" + use + "\"}\n";
}

// 64 levels would take 2^64 steps unless each variable is checked once, so ctest's timeout
// guards these.
TEST(VariableCheck, DoublingChainIsRejectedForSize) {
  Diagnostics problems = check_suite_text(doubling_suite(64, "xxxxxxxxxx", "/x/${v64}"));

  ASSERT_EQ(problems.size(), 1u) << format_all(problems);
  // v16 is 640 KiB and v17 is 1.25 MiB.
  EXPECT_EQ(problems[0].message, "variable 'v17' expands to more than 1 MiB");
  EXPECT_NE(problems[0].hint.find("at most 1 MiB"), std::string::npos) << problems[0].hint;
  EXPECT_EQ(problems[0].location.line, 71);
  EXPECT_EQ(problems[0].location.column, 24);
}

TEST(VariableCheck, DoublingChainReportsUndefinedOnce) {
  Diagnostics problems = check_suite_text(doubling_suite(64, "${missing}", "/x/${v64}"));

  ASSERT_EQ(problems.size(), 1u) << format_all(problems);
  EXPECT_EQ(problems[0].message, "undefined variable 'missing', used by variable 'v0'");
  EXPECT_EQ(problems[0].location.line, 71);
}

TEST(VariableCheck, DoublingChainWithCycleIsLeftToRun) {
  Diagnostics problems = check_suite_text(doubling_suite(64, "${v64}", "/x/${v64}"));

  EXPECT_TRUE(problems.empty()) << format_all(problems);
}

TEST(VariableCheck, DoublingChainWithinLimitIsClean) {
  // 10 * 2^16 bytes is 640 KiB, under the limit, and each step reuses the checked variables.
  std::string yaml = doubling_suite(16, "xxxxxxxxxx", "/x/${v16}");
  for (int i = 0; i < 100; ++i)
    yaml += "      - request: {url: \"/y/${v16}\"}\n";

  Diagnostics problems = check_suite_text(yaml);

  EXPECT_TRUE(problems.empty()) << format_all(problems);
}

TEST(VariableCheck, TextBuiltAtUseIsRejectedForSize) {
  // Each v16 fits, but the URL that writes it twice does not.
  Diagnostics problems = check_suite_text(doubling_suite(16, "xxxxxxxxxx", "/x/${v16}${v16}"));

  ASSERT_EQ(problems.size(), 1u) << format_all(problems);
  EXPECT_EQ(problems[0].message, "the value expands to more than 1 MiB");
  EXPECT_EQ(problems[0].location.line, 23);
}

TEST(VariableCheck, VarOptionSizeCounts) {
  // --var wins over the suite's v0, and its 20 bytes make v16 1.25 MiB.
  Diagnostics problems =
      check_suite_text(doubling_suite(16, "x", "/x/${v16}"), {{"v0", std::string(20, 'x')}});

  ASSERT_EQ(problems.size(), 1u) << format_all(problems);
  EXPECT_EQ(problems[0].message, "variable 'v16' expands to more than 1 MiB");
}

TEST(VariableCheck, LoneReferenceIsNotBuiltText) {
  // `json: ${both}` copies the mapping, so only its two strings of 640 KiB each are built.
  std::string yaml = doubling_suite(16, "xxxxxxxxxx", "/x") +
                     "      - request:\n          url: /y\n          json: ${both}\n";
  yaml.insert(yaml.find("tests:"), "  both: {a: \"${v16}\", b: \"${v16}\"}\n");

  Diagnostics problems = check_suite_text(yaml);

  EXPECT_TRUE(problems.empty()) << format_all(problems);
}

TEST(VariableCheck, SharedVariableReportsEachUse) {
  // `second` meets `path` already walked for the first URL, and must still report it later.
  Diagnostics problems = check_suite_text(
      "name: s\nvariables:\n  path: \"/a/${system}\"\n  first: \"${path}\"\n"
      "  second: \"${path}\"\ntests:\n  - name: t\n    steps:\n"
      "      - request: {url: \"${first}${second}\"}\n"
      "      - request: {url: \"${second}\"}\n");

  ASSERT_EQ(problems.size(), 2u) << format_all(problems);
  EXPECT_EQ(problems[0].message, "undefined variable 'system', used by variable 'path'");
  EXPECT_EQ(problems[0].location.line, 9);
  EXPECT_EQ(problems[1].message, "undefined variable 'system', used by variable 'path'");
  EXPECT_EQ(problems[1].location.line, 10);
}

// --- typing ---

TEST(Typing, QuotedScalarsAndYesNoAreText) {
  Diagnostics diagnostics;
  YamlReader reader("inline", diagnostics);
  yaml::Node node = testing::parse_test_yaml(
      "{a: \"123\", b: 'true', c: yes, d: no, e: on, f: off, g: 915785e5, h: \"915785e5\","
      " i: 0x1F, j: 1e3, k: ~, l: True, m: 12:30}");
  Template value = reader.to_template(node);
  EXPECT_TRUE(diagnostics.empty()) << format_all(diagnostics);
  EXPECT_EQ(value.value["a"], "123");
  EXPECT_EQ(value.value["b"], "true");
  EXPECT_EQ(value.value["c"], "yes");
  EXPECT_EQ(value.value["d"], "no");
  EXPECT_EQ(value.value["e"], "on");
  EXPECT_EQ(value.value["f"], "off");
  EXPECT_TRUE(value.value["g"].is_number()) << "a plain 915785e5 is a float under YAML 1.2";
  EXPECT_EQ(value.value["h"], "915785e5");
  EXPECT_EQ(value.value["i"], 31);
  EXPECT_EQ(value.value["j"], 1000.0);
  EXPECT_TRUE(value.value["k"].is_null());
  EXPECT_EQ(value.value["l"], true);
  EXPECT_EQ(value.value["m"], "12:30") << "no YAML 1.1 sexagesimal numbers";
}

TEST(Typing, EnvironmentAndVarValuesStayText) {
  ::setenv("PROBE_TYPING_TEST_ID", "915785e5", 1);
  OfflineRun run;
  run.options.variables = {{"count", "0012"}, {"enabled", "true"}};
  run.client.fallback([](const HttpRequest&) { return json_response(200, json{}); });
  run.run(
      "name: s\ntests:\n  - name: t\n    steps:\n      - request:\n"
      "          method: POST\n          url: /x\n"
      "          json:\n            id: ${env.PROBE_TYPING_TEST_ID}\n"
      "            count: ${count}\n            enabled: ${enabled}\n");
  ::unsetenv("PROBE_TYPING_TEST_ID");
  ASSERT_EQ(run.client.requests.size(), 1u);
  json body = json::parse(run.client.requests[0].body);
  EXPECT_EQ(body["id"], "915785e5");
  EXPECT_EQ(body["count"], "0012");
  EXPECT_EQ(body["enabled"], "true");
}

}  // namespace
}  // namespace probe
