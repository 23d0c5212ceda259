// Broken suites against their golden errors: each tests/data/broken/NAME.yaml is checked with
// `tapis-probe validate` (and, when its first line says so, other arguments), and the exit code
// and standard error must equal NAME.err. Paths in the output are relative to the repository
// root, where the runs start, so the goldens hold on every machine.
//
// PROBE_UPDATE_GOLDENS=1 rewrites the .err files from the current output instead of comparing.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "e2e_test.h"
#include "paths.h"

namespace probe::e2e {
namespace {

namespace fs = std::filesystem;

constexpr const char* kBrokenDir = "tests/data/broken";
constexpr const char* kArgsPrefix = "# args:";

std::vector<std::string> case_names() {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(source_path(kBrokenDir))) {
    if (entry.is_regular_file() && entry.path().extension() == ".yaml")
      names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

// The case's arguments: `validate FILE` unless its first line is `# args: ...`, where FILE
// stands for the case's own path.
std::vector<std::string> case_args(const std::string& name) {
  std::string file = std::string(kBrokenDir) + "/" + name + ".yaml";
  std::string first_line;
  std::ifstream in(source_path(file));
  std::getline(in, first_line);
  if (!first_line.starts_with(kArgsPrefix))
    return {"validate", file};
  std::vector<std::string> args;
  std::istringstream words(first_line.substr(std::string(kArgsPrefix).size()));
  for (std::string word; words >> word;)
    args.push_back(word == "FILE" ? file : word);
  return args;
}

class BrokenSuite : public E2eTest, public ::testing::WithParamInterface<std::string> {};

TEST_P(BrokenSuite, MatchesGolden) {
  const std::string name = GetParam();
  ProcessResult run = run_probe(case_args(name));
  std::string actual = "exit " + std::to_string(run.status.exit_code) + "\n" + run.err;
  std::string golden_path = source_path(std::string(kBrokenDir) + "/" + name + ".err");

  const char* update = std::getenv("PROBE_UPDATE_GOLDENS");
  if (update != nullptr && std::string(update) == "1") {
    std::ofstream(golden_path, std::ios::binary) << actual;
    GTEST_SKIP() << "rewrote " << golden_path;
  }
  ASSERT_TRUE(fs::exists(golden_path)) << "no golden " << golden_path << "; output:\n" << actual;
  EXPECT_EQ(actual, read_text(golden_path)) << describe(run.status);
  EXPECT_NE(run.status.exit_code, 0) << "a broken suite must not validate";
}

INSTANTIATE_TEST_SUITE_P(Cases, BrokenSuite, ::testing::ValuesIn(case_names()),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           std::string id = param.param;
                           std::replace(id.begin(), id.end(), '-', '_');
                           return id;
                         });

TEST(BrokenSuiteCases, AtLeastTwentyFive) {
  EXPECT_GE(case_names().size(), 25u);
}

}  // namespace
}  // namespace probe::e2e
