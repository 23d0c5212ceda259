// Runs every YAML example of docs/suite-format.md, so that the reference cannot drift from what
// the runner accepts and does.
//
// Convention: each example is a fenced block whose info string starts with `yaml` and a kind:
//
//   ```yaml suite      a whole suite file
//   ```yaml tests      items of a suite's `tests:` list
//   ```yaml steps      items of a test's `steps:` list
//   ```yaml site       a whole site file
//   ```yaml fragment   a whole fragment file, which must pass `tapis-probe validate`
//
// Markdown viewers highlight the block as YAML and ignore the words after `yaml`. Further words
// tune the run:
//
//   httpbin            run against python3-httpbin instead of the Tapis simulator
//   load-only          only load the example: it runs against a site where nothing listens, and
//                      any exit code but 2 (invalid suite) passes
//   var:NAME=VALUE     pass --var NAME=VALUE
//   env:NAME=VALUE     set the environment variable NAME for the run
//   save:PATH          (fragment) write this fragment to PATH in the working folder of every
//                      example, so that an include example runs the fragment as documented
//   file:PATH=TEXT     create PATH, relative to the run's working folder, holding TEXT with no
//                      line break
//
// Suites, tests and steps run against the simulator with sites/simulator.yaml, or with
// tests/e2e/cases/sites/httpbin.yaml under `httpbin`, and must pass (exit code 0). Wrapped
// `tests` and `steps` get `defaults: {auth: user}` against the simulator. A site example is
// loaded by running a suite whose only test is skipped, so that nothing is sent to the site's
// URLs. Every run has a temporary working folder, where relative `file:` and `download:` paths
// land. A `yaml` block without a kind fails the test named after its line.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "e2e_test.h"
#include "paths.h"

namespace probe::e2e {
namespace {

namespace fs = std::filesystem;

constexpr const char* kDocument = "docs/suite-format.md";

struct DocExample {
  int line = 0;      // line of the opening fence
  std::string kind;  // suite, tests, steps or site; empty when the fence names none
  bool httpbin = false;
  bool load_only = false;
  std::string save_as;                 // a fragment's path in the working folder, or empty
  std::vector<std::string> variables;  // NAME=VALUE
  Environment env;
  std::vector<std::pair<std::string, std::string>> files;  // path and content
  std::string text;
  std::string problem;  // an invalid annotation
};

DocExample parse_fence(const std::string& info, int line) {
  DocExample example;
  example.line = line;
  std::istringstream words(info);
  std::string word;
  words >> word;  // "yaml"
  while (words >> word) {
    if (word == "suite" || word == "tests" || word == "steps" || word == "site" ||
        word == "fragment") {
      example.kind = word;
    } else if (word == "httpbin") {
      example.httpbin = true;
    } else if (word == "load-only") {
      example.load_only = true;
    } else if (word.starts_with("save:")) {
      example.save_as = word.substr(5);
    } else if (word.starts_with("var:")) {
      example.variables.push_back(word.substr(4));
    } else if (word.starts_with("env:") && word.find('=') != std::string::npos) {
      size_t equals = word.find('=');
      example.env.emplace_back(word.substr(4, equals - 4), word.substr(equals + 1));
    } else if (word.starts_with("file:") && word.find('=') != std::string::npos) {
      size_t equals = word.find('=');
      example.files.emplace_back(word.substr(5, equals - 5), word.substr(equals + 1));
    } else {
      example.problem = "unknown word '" + word + "' after ```yaml";
    }
  }
  if (example.kind.empty() && example.problem.empty())
    example.problem = "```yaml needs a kind: suite, tests, steps, site or fragment";
  return example;
}

std::vector<DocExample> read_examples(const std::string& path) {
  std::vector<DocExample> examples;
  std::ifstream in(path);
  std::string line;
  int number = 0;
  std::optional<DocExample> open;
  bool in_other_fence = false;
  while (std::getline(in, line)) {
    ++number;
    if (open) {
      if (line.starts_with("```")) {
        examples.push_back(std::move(*open));
        open.reset();
      } else {
        open->text += line + "\n";
      }
    } else if (line.starts_with("```")) {
      if (in_other_fence)
        in_other_fence = false;
      else if (line.starts_with("```yaml"))
        open = parse_fence(line.substr(3), number);
      else
        in_other_fence = true;
    }
  }
  return examples;
}

std::string indent(const std::string& text, int spaces) {
  std::string out;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);)
    out += (line.empty() ? "" : std::string(spaces, ' ') + line) + "\n";
  return out;
}

std::string wrap(const DocExample& example) {
  std::string header = "name: docs example\n";
  if (!example.httpbin)
    header += "defaults:\n  auth: user\n";
  if (example.kind == "tests")
    return header + "tests:\n" + indent(example.text, 2);
  if (example.kind == "steps")
    return header + "tests:\n  - name: example\n    steps:\n" + indent(example.text, 6);
  return example.text;
}

const std::vector<DocExample>& examples() {
  static const std::vector<DocExample> all = read_examples(source_path(kDocument));
  return all;
}

class DocsExample : public SimulatorTest, public ::testing::WithParamInterface<DocExample> {
 protected:
  ProcessResult run_in_temp(const std::vector<std::string>& args, const Environment& env) {
    ProcessOptions options;
    options.argv = {binary_path("tapis-probe")};
    options.argv.insert(options.argv.end(), args.begin(), args.end());
    options.unset_env = {"TAPIS_PASSWORD", "TAPIS_SERVICE_PASSWORD"};
    options.env = {{"NO_COLOR", "1"}};
    options.env.insert(options.env.end(), env.begin(), env.end());
    options.working_dir = temp().path();
    options.stdout_path = temp().file("probe.out");
    options.stderr_path = temp().file("probe.err");
    return run_process(options, std::chrono::seconds(60));
  }
};

TEST_P(DocsExample, Runs) {
  const DocExample& example = GetParam();
  SCOPED_TRACE(std::string(kDocument) + ":" + std::to_string(example.line));
  ASSERT_EQ(example.problem, "");

  for (const auto& [file, content] : example.files) {
    fs::path path = fs::path(temp().path()) / file;
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << content;
  }
  for (const DocExample& other : examples()) {
    if (other.save_as.empty())
      continue;
    fs::path path = fs::path(temp().path()) / other.save_as;
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << other.text;
  }
  Environment env = example.env;
  std::vector<std::string> args = {"run"};
  std::unique_ptr<TempDir> httpbin_logs;
  std::unique_ptr<HttpbinServer> httpbin;
  if (example.kind == "fragment") {
    // A fragment never runs by itself: it must validate, and includes show it at work.
    std::string fragment = example.save_as.empty() ? write_file("fragment.yaml", example.text)
                                                   : temp().file(example.save_as);
    ProcessResult run = run_in_temp({"validate", fragment}, env);
    EXPECT_EQ(run.status.exit_code, 0) << describe(run.status) << "\n" << run.out << run.err;
    return;
  }
  if (example.kind == "site") {
    args.push_back(write_file("skipped.yaml",
                              "name: site check\n"
                              "tests:\n"
                              "  - name: load the site only\n"
                              "    skip: sends nothing\n"
                              "    steps:\n"
                              "      - request: {url: /v3/systems}\n"));
    args.insert(args.end(), {"--site", write_file("site.yaml", example.text)});
  } else {
    args.push_back(write_file("example.yaml", wrap(example)));
    if (example.load_only) {
      args.insert(args.end(), {"--site", source_path("tests/e2e/cases/sites/offline.yaml")});
    } else if (example.httpbin) {
      httpbin_logs = std::make_unique<TempDir>();
      httpbin = std::make_unique<HttpbinServer>(httpbin_logs->file("httpbin"));
      args.insert(args.end(), {"--site", source_path("tests/e2e/cases/sites/httpbin.yaml"), "--var",
                               "httpbin_url=" + httpbin->url()});
    } else {
      start_simulator();
      args.insert(args.end(), {"--site", source_path("sites/simulator.yaml"), "--var",
                               "sim_url=" + simulator().url()});
      Environment secrets = simulator_secrets();
      env.insert(env.end(), secrets.begin(), secrets.end());
    }
  }
  for (const std::string& variable : example.variables)
    args.insert(args.end(), {"--var", variable});
  args.insert(args.end(),
              {"--junit", temp().file("report.xml"), "--tap", temp().file("report.tap")});

  ProcessResult run = run_in_temp(args, env);
  if (example.load_only) {
    EXPECT_TRUE(run.status.exit_code == 0 || run.status.exit_code == 1)
        << describe(run.status) << "\n"
        << run.out << run.err;
  } else {
    EXPECT_EQ(run.status.exit_code, 0) << describe(run.status) << "\n" << run.out << run.err;
  }
}

// Names the example by its line in failure messages, in place of a byte dump.
void PrintTo(const DocExample& example, std::ostream* out) {
  *out << kDocument << ":" << example.line << " (" << example.kind << ")";
}

std::string example_name(const ::testing::TestParamInfo<DocExample>& info) {
  return "line_" + std::to_string(info.param.line);
}

INSTANTIATE_TEST_SUITE_P(SuiteFormat, DocsExample, ::testing::ValuesIn(examples()), example_name);

// Every key of the JSON Schemas, and so of the loader (schema_test.cc compares the two), appears
// in an example.
// NOTE: this is a text search for "key:" in the examples. It does not check that the key sits in
// the mapping it belongs to, so `json:` in a request also counts for `json:` in an assertion.
TEST(DocsExamples, ShowEveryKey) {
  std::string all_examples;
  for (const DocExample& example : examples())
    all_examples += example.text;
  ASSERT_GT(examples().size(), 0u);

  for (const char* schema_file : {"schemas/suite.schema.json", "schemas/site.schema.json"}) {
    std::ifstream in(source_path(schema_file));
    nlohmann::json schema = nlohmann::json::parse(in);
    for (const auto& [kind, def] : schema.at("$defs").items()) {
      if (!def.contains("properties"))
        continue;
      for (const auto& [key, property] : def.at("properties").items()) {
        std::regex pattern("(^|[\\s{,\\[-])" + key + ":");
        EXPECT_TRUE(std::regex_search(all_examples, pattern))
            << schema_file << ": key '" << key << "' of '" << kind << "' has no example in "
            << kDocument;
      }
    }
  }
}

}  // namespace
}  // namespace probe::e2e
