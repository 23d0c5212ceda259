#include "selection.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace probe {
namespace {

TestSpec make_test(const std::string& name, std::vector<std::string> tags = {}) {
  TestSpec test;
  test.name = name;
  test.tags = std::move(tags);
  return test;
}

Suite make_suite(const std::string& name, std::vector<TestSpec> tests,
                 std::vector<std::string> tags = {}, bool parallel = false) {
  Suite suite;
  suite.name = name;
  suite.tags = std::move(tags);
  suite.parallel = parallel;
  suite.tests = std::move(tests);
  return suite;
}

std::vector<std::string> names(const std::vector<Suite>& suites) {
  std::vector<std::string> out;
  for (const Suite& suite : suites) {
    for (const TestSpec& test : suite.tests)
      out.push_back(suite.name + "/" + test.name);
  }
  return out;
}

std::vector<Suite> sample() {
  return {make_suite("systems",
                     {make_test("list", {"read"}), make_test("create", {"write", "slow"}),
                      make_test("delete", {"write"})},
                     {"smoke"}),
          make_suite("apps", {make_test("list", {"read"}), make_test("health")})};
}

TEST(Selection, ParseShardAcceptsKOfN) {
  auto shard = parse_shard("2/4");
  ASSERT_TRUE(shard) << shard.error();
  EXPECT_EQ(shard->index, 2);
  EXPECT_EQ(shard->count, 4);
  EXPECT_TRUE(parse_shard("1/1"));
}

TEST(Selection, ParseShardRejectsOutOfRange) {
  for (const char* text : {"0/2", "3/2", "1/0", "a/b", "1/", "/2", "2", "1/2/3", "-1/2", ""}) {
    auto shard = parse_shard(text);
    ASSERT_FALSE(shard) << text;
    EXPECT_NE(shard.error().find("K/N"), std::string::npos) << shard.error();
  }
}

TEST(Selection, NoOptionsKeepsEverything) {
  auto selected = select_tests(sample(), {});
  ASSERT_TRUE(selected) << selected.error();
  EXPECT_EQ(names(*selected),
            (std::vector<std::string>{"systems/list", "systems/create", "systems/delete",
                                      "apps/list", "apps/health"}));
}

TEST(Selection, TagMatchesAnyGivenTag) {
  Selection selection;
  selection.tags = {"read", "slow"};
  auto selected = select_tests(sample(), selection);
  ASSERT_TRUE(selected) << selected.error();
  EXPECT_EQ(names(*selected),
            (std::vector<std::string>{"systems/list", "systems/create", "apps/list"}));
}

TEST(Selection, SuiteTagsCount) {
  Selection selection;
  selection.tags = {"smoke"};
  auto selected = select_tests(sample(), selection);
  ASSERT_TRUE(selected) << selected.error();
  EXPECT_EQ(names(*selected),
            (std::vector<std::string>{"systems/list", "systems/create", "systems/delete"}));
}

TEST(Selection, SkipTagWinsOverTag) {
  Selection selection;
  selection.tags = {"write"};
  selection.skip_tags = {"slow"};
  auto selected = select_tests(sample(), selection);
  ASSERT_TRUE(selected) << selected.error();
  EXPECT_EQ(names(*selected), (std::vector<std::string>{"systems/delete"}));
}

TEST(Selection, FilterSearchesTestNames) {
  Selection selection;
  selection.filter = "^(list|health)$";
  auto selected = select_tests(sample(), selection);
  ASSERT_TRUE(selected) << selected.error();
  EXPECT_EQ(names(*selected),
            (std::vector<std::string>{"systems/list", "apps/list", "apps/health"}));

  selection.filter = "e";  // unanchored: found anywhere in the name
  selected = select_tests(sample(), selection);
  ASSERT_TRUE(selected) << selected.error();
  EXPECT_EQ(names(*selected),
            (std::vector<std::string>{"systems/create", "systems/delete", "apps/health"}));
}

TEST(Selection, SuitesLeftEmptyAreDropped) {
  Selection selection;
  selection.filter = "health";
  auto selected = select_tests(sample(), selection);
  ASSERT_TRUE(selected) << selected.error();
  ASSERT_EQ(selected->size(), 1u);
  EXPECT_EQ(selected->front().name, "apps");
}

TEST(Selection, InvalidFilterIsError) {
  Selection selection;
  selection.filter = "(list";
  auto selected = select_tests(sample(), selection);
  ASSERT_FALSE(selected);
  EXPECT_NE(selected.error().find("invalid --filter '(list'"), std::string::npos)
      << selected.error();
}

TEST(Selection, UnknownTagIsErrorWithSuggestion) {
  Selection selection;
  selection.tags = {"reed"};
  auto selected = select_tests(sample(), selection);
  ASSERT_FALSE(selected);
  EXPECT_NE(selected.error().find("--tag 'reed' matches no loaded test"), std::string::npos)
      << selected.error();
  EXPECT_NE(selected.error().find("did you mean 'read'?"), std::string::npos) << selected.error();

  selection.tags.clear();
  selection.skip_tags = {"nothing-like-it"};
  selected = select_tests(sample(), selection);
  ASSERT_FALSE(selected);
  EXPECT_NE(selected.error().find("--skip-tag"), std::string::npos) << selected.error();
}

TEST(Selection, ShardsPartitionTheTests) {
  std::vector<Suite> suites;
  for (int s = 0; s < 12; ++s) {
    std::vector<TestSpec> tests;
    for (int t = 0; t < 5; ++t)
      tests.push_back(make_test("test " + std::to_string(t)));
    suites.push_back(make_suite("suite " + std::to_string(s), tests, {}, s % 2 == 0));
  }
  std::vector<std::string> all = names(suites);

  std::multiset<std::string> seen;
  for (int k = 1; k <= 3; ++k) {
    Selection selection;
    selection.shard = Shard{k, 3};
    auto selected = select_tests(suites, selection);
    ASSERT_TRUE(selected) << selected.error();
    EXPECT_FALSE(selected->empty()) << "shard " << k << " of 3 is empty";
    for (const std::string& name : names(*selected))
      seen.insert(name);
  }
  EXPECT_EQ(seen, std::multiset<std::string>(all.begin(), all.end()));
}

TEST(Selection, ShardKeepsSerialSuiteWhole) {
  Suite serial = make_suite("jobs", {make_test("submit"), make_test("wait"), make_test("delete")});
  for (int count : {2, 3, 7}) {
    int first = shard_of(serial, serial.tests[0], count);
    for (const TestSpec& test : serial.tests)
      EXPECT_EQ(shard_of(serial, test, count), first) << test.name << " of " << count;
  }
}

// The placement is FNV-1a 64 of the suite name (and "\0" and the test name for a parallel
// suite), modulo N, plus 1; the expected values were computed outside this code.
TEST(Selection, ShardPlacementIsFixed) {
  Suite systems = make_suite("systems", {make_test("list")});
  EXPECT_EQ(shard_of(systems, systems.tests[0], 4), 2);
  Suite pods = make_suite("pods", {make_test("list")}, {}, true);
  EXPECT_EQ(shard_of(pods, pods.tests[0], 5), 3);
}

TEST(Selection, ShardIgnoresOtherTests) {
  Suite small = make_suite("pods", {make_test("a"), make_test("b")}, {}, true);
  Suite large = small;
  for (int i = 0; i < 20; ++i)
    large.tests.insert(large.tests.begin(), make_test("new " + std::to_string(i)));
  for (int count : {2, 3, 5}) {
    EXPECT_EQ(shard_of(small, small.tests[0], count), shard_of(large, make_test("a"), count));
    EXPECT_EQ(shard_of(small, small.tests[1], count), shard_of(large, make_test("b"), count));
  }
}

TEST(Selection, ShardAppliesAfterFilters) {
  Selection selection;
  selection.tags = {"write"};
  selection.shard = Shard{1, 1};
  auto selected = select_tests(sample(), selection);
  ASSERT_TRUE(selected) << selected.error();
  EXPECT_EQ(names(*selected), (std::vector<std::string>{"systems/create", "systems/delete"}));
}

TEST(Selection, EffectiveTagsHaveNoRepeats) {
  Suite suite = make_suite("s", {make_test("t", {"smoke", "read"})}, {"smoke"});
  EXPECT_EQ(effective_tags(suite, suite.tests[0]), (std::vector<std::string>{"smoke", "read"}));
}

}  // namespace
}  // namespace probe
