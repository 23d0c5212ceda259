#include "selection.h"

#include <fmt/format.h>
#include <re2/re2.h>

#include <algorithm>
#include <charconv>
#include <set>

#include "diagnostic.h"

namespace probe {

namespace {

uint64_t fnv1a(const std::string& text, uint64_t hash = 0xcbf29ce484222325ULL) {
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

bool has_any(const std::vector<std::string>& tags, const std::vector<std::string>& wanted) {
  return std::any_of(wanted.begin(), wanted.end(), [&](const std::string& tag) {
    return std::find(tags.begin(), tags.end(), tag) != tags.end();
  });
}

std::optional<std::string> check_tags_exist(const std::vector<std::string>& requested,
                                            const std::set<std::string>& known,
                                            const char* option) {
  std::vector<std::string> candidates(known.begin(), known.end());
  for (const std::string& tag : requested) {
    if (known.contains(tag))
      continue;
    std::string suggestion = closest_match(tag, candidates);
    std::string hint =
        suggestion.empty()
            ? (candidates.empty() ? std::string("no loaded test has any tag")
                                  : fmt::format("known tags: {}", fmt::join(candidates, ", ")))
            : fmt::format("did you mean '{}'?", suggestion);
    return fmt::format("{} '{}' matches no loaded test; {}", option, tag, hint);
  }
  return std::nullopt;
}

}  // namespace

std::expected<Shard, std::string> parse_shard(const std::string& text) {
  size_t slash = text.find('/');
  Shard shard;
  auto parse = [](std::string_view digits, int& out) {
    auto parsed = std::from_chars(digits.data(), digits.data() + digits.size(), out);
    return !digits.empty() && parsed.ec == std::errc() &&
           parsed.ptr == digits.data() + digits.size();
  };
  std::string_view view(text);
  if (slash == std::string::npos || !parse(view.substr(0, slash), shard.index) ||
      !parse(view.substr(slash + 1), shard.count) || shard.count < 1 || shard.index < 1 ||
      shard.index > shard.count) {
    return std::unexpected(
        fmt::format("invalid --shard '{}': expected K/N with 1 <= K <= N, e.g. 2/4", text));
  }
  return shard;
}

std::vector<std::string> effective_tags(const Suite& suite, const TestSpec& test) {
  std::vector<std::string> tags = suite.tags;
  for (const std::string& tag : test.tags) {
    if (std::find(tags.begin(), tags.end(), tag) == tags.end())
      tags.push_back(tag);
  }
  return tags;
}

int shard_of(const Suite& suite, const TestSpec& test, int count) {
  uint64_t hash = fnv1a(suite.name);
  if (suite.parallel)
    hash = fnv1a(test.name, fnv1a(std::string(1, '\0'), hash));
  return static_cast<int>(hash % static_cast<uint64_t>(count)) + 1;
}

std::expected<std::vector<Suite>, std::string> select_tests(std::vector<Suite> suites,
                                                            const Selection& selection) {
  std::optional<re2::RE2> filter;
  if (!selection.filter.empty()) {
    RE2::Options options;
    options.set_log_errors(false);
    filter.emplace(selection.filter, options);
    if (!filter->ok())
      return std::unexpected(
          fmt::format("invalid --filter '{}': {}", selection.filter, filter->error()));
  }

  std::set<std::string> known_tags;
  for (const Suite& suite : suites) {
    for (const TestSpec& test : suite.tests) {
      for (const std::string& tag : effective_tags(suite, test))
        known_tags.insert(tag);
    }
  }
  if (auto problem = check_tags_exist(selection.tags, known_tags, "--tag"))
    return std::unexpected(*problem);
  if (auto problem = check_tags_exist(selection.skip_tags, known_tags, "--skip-tag"))
    return std::unexpected(*problem);

  std::vector<Suite> selected;
  for (Suite& suite : suites) {
    std::vector<TestSpec> kept;
    for (TestSpec& test : suite.tests) {
      std::vector<std::string> tags = effective_tags(suite, test);
      if (!selection.tags.empty() && !has_any(tags, selection.tags))
        continue;
      if (has_any(tags, selection.skip_tags))
        continue;
      if (filter && !re2::RE2::PartialMatch(test.name, *filter))
        continue;
      if (selection.shard &&
          shard_of(suite, test, selection.shard->count) != selection.shard->index)
        continue;
      kept.push_back(std::move(test));
    }
    if (kept.empty())
      continue;
    suite.tests = std::move(kept);
    selected.push_back(std::move(suite));
  }
  return selected;
}

}  // namespace probe
