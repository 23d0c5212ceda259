#include "yaml_reader.h"

#include <gtest/gtest.h>

#include <string>

#include "fake_http_client.h"
#include "suite_loader.h"

namespace probe {
namespace {

// A suite whose variables nest aliases of aliases: `levels` levels of ten aliases each expand
// to 10^(levels+1) values, though the file is under a kilobyte.
std::string alias_bomb(int levels, bool with_merge_key) {
  std::string text = "name: bomb\nvariables:\n  a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  std::string previous = "a";
  for (int level = 1; level <= levels; ++level) {
    std::string name = "b" + std::to_string(level);
    text += "  " + name + ": &" + name + " [";
    for (int i = 0; i < 10; ++i)
      text += (i > 0 ? ", *" : "*") + previous;
    text += "]\n";
    previous = name;
  }
  if (with_merge_key)
    text += "defaults: {<<: {timeout: 5s}}\n";
  text += "tests:\n  - name: t\n    steps:\n      - request: {url: /x}\n";
  return text;
}

bool has_expansion_error(const Diagnostics& diagnostics) {
  for (const Diagnostic& diagnostic : diagnostics) {
    if (diagnostic.message == "aliases expand the file into too many values")
      return true;
  }
  return false;
}

TEST(YamlReader, AliasBombRejected) {
  auto suite = load_suite(testing::write_test_file(alias_bomb(8, false)));
  ASSERT_FALSE(suite.has_value());
  EXPECT_TRUE(has_expansion_error(suite.error())) << testing::format_all(suite.error());
}

TEST(YamlReader, AliasBombWithMergeKeyRejected) {
  auto suite = load_suite(testing::write_test_file(alias_bomb(8, true)));
  ASSERT_FALSE(suite.has_value());
  EXPECT_TRUE(has_expansion_error(suite.error())) << testing::format_all(suite.error());
}

TEST(YamlReader, ModestAliasesLoad) {
  // 10^3 values from three levels: well inside the budget.
  auto suite = load_suite(testing::write_test_file(alias_bomb(2, true)));
  ASSERT_TRUE(suite.has_value()) << testing::format_all(suite.error());
}

TEST(YamlReader, BudgetScalesWithSize) {
  EXPECT_EQ(yaml_node_budget(0), 100'000u);
  EXPECT_EQ(yaml_node_budget(1'000'000), 16'000'000u);
}

}  // namespace
}  // namespace probe
