// Choosing which tests run: tags, a name filter and a CI shard.
#pragma once

#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "suite.h"

namespace probe {

// One part of a run split into `count` parts; `index` is 1-based.
struct Shard {
  int index = 1;
  int count = 1;
};

struct Selection {
  std::vector<std::string> tags;       // run a test that has any of these; all tests when empty
  std::vector<std::string> skip_tags;  // leave out a test that has any of these
  std::string filter;                  // RE2, searched for in the test name; empty matches all
  std::optional<Shard> shard;
};

// Parses "K/N" with 1 <= K <= N.
std::expected<Shard, std::string> parse_shard(const std::string& text);

// The suite's tags followed by the test's own.
std::vector<std::string> effective_tags(const Suite& suite, const TestSpec& test);

// Which shard of `count` a test belongs to. A suite whose tests may share state (not `parallel`)
// stays whole in one shard, chosen by the suite name; each test of a `parallel` suite is placed
// by suite and test name. The placement is a 64-bit FNV-1a hash modulo `count`, so it is the
// same on every machine and a test keeps its shard when others are added or removed.
int shard_of(const Suite& suite, const TestSpec& test, int count);

// Removes the tests that `selection` leaves out, and suites left with no test. Returns an error
// when --filter is not a valid RE2 pattern, or when a --tag or --skip-tag names a tag that no
// loaded test has (a likely typo that would otherwise select nothing, silently).
std::expected<std::vector<Suite>, std::string> select_tests(std::vector<Suite> suites,
                                                            const Selection& selection);

}  // namespace probe
