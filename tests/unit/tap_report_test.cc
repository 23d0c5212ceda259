#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "report.h"
#include "report_test_support.h"
#include "result.h"
#include "utf8.h"

namespace probe {
namespace {

using testing::TemporaryFolder;

std::string tap(const RunResult& run) {
  return testing::render(TapReporter(), run);
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

// Returns the lines from the test line that starts with `prefix` up to the next test line.
std::vector<std::string> test_block(const std::string& text, const std::string& prefix) {
  std::vector<std::string> block;
  for (const std::string& line : split_lines(text)) {
    const bool test_line = line.starts_with("ok ") || line.starts_with("not ok ");
    if (test_line && !block.empty())
      break;
    if (line.starts_with(prefix) || !block.empty())
      block.push_back(line);
  }
  return block;
}

// Runs Perl's TAP::Parser, the parser behind `prove`, over `stream` and prints what it saw.
testing::CommandResult parse_with_perl(const std::string& stream) {
  TemporaryFolder folder;
  const auto file = folder.path() / "report.tap";
  testing::write_file(file, stream);
  const std::string script = R"(
use TAP::Parser;
open(my $fh, '<', $ARGV[0]) or die;
my $tap = do { local $/; <$fh> };
my $parser = TAP::Parser->new({ tap => $tap });
my %yaml;
my $last;
while (my $result = $parser->next) {
  $last = $result->number if $result->is_test;
  $yaml{$last} = $result->data if $result->is_yaml;
}
print "tests=", scalar($parser->tests_run), " passed=", scalar($parser->passed),
      " failed=", scalar($parser->failed), " skipped=", scalar($parser->skipped),
      " planned=", ($parser->tests_planned // 'none'), "\n";
print "parse error: $_\n" for $parser->parse_errors;
for my $n (sort { $a <=> $b } keys %yaml) {
  my $d = $yaml{$n};
  my $assertions = ref $d->{failed_assertions} eq 'ARRAY' ? scalar @{$d->{failed_assertions}} : 0;
  printf "yaml %d severity=%s assertions=%d message=[%s]\n", $n, $d->{severity}, $assertions,
         $d->{message};
}
)";
  return testing::run_command("perl -e " + testing::shell_quote(script) + " " +
                              testing::shell_quote(file.string()));
}

TEST(TapReport, MatchesGoldenForRichRun) {
  testing::expect_matches_golden("rich.tap", tap(testing::sample_run()));
}

TEST(TapReport, MatchesGoldenForEmptyRun) {
  testing::expect_matches_golden("empty-run.tap", tap(testing::empty_run()));
}

TEST(TapReport, StartsWithVersionThirteenAndPlan) {
  const std::vector<std::string> lines = split_lines(tap(testing::sample_run()));
  ASSERT_GE(lines.size(), 2u);

  EXPECT_EQ(lines[0], "TAP version 13");
  EXPECT_EQ(lines[1], "1..11");
}

TEST(TapReport, EmptyRunSkipsAll) {
  const std::vector<std::string> lines = split_lines(tap(testing::empty_run()));
  ASSERT_GE(lines.size(), 2u);

  EXPECT_EQ(lines[1], "1..0 # SKIP no tests");
}

TEST(TapReport, NumbersEveryTestInOrder) {
  int expected = 0;
  for (const std::string& line : split_lines(tap(testing::sample_run()))) {
    if (!line.starts_with("ok ") && !line.starts_with("not ok "))
      continue;
    ++expected;
    const std::string number = line.substr(line.find("ok ") + 3);
    EXPECT_TRUE(number.starts_with(std::to_string(expected) + " - ")) << line;
  }
  EXPECT_EQ(expected, 11);
}

TEST(TapReport, EscapesHashAndBackslash) {
  const std::string text = tap(testing::sample_run());

  EXPECT_NE(text.find("ok 6 - names & <escapes> \"quoted\" 'single' / "
                      "C\\# client \\# TODO not a directive \\\\ backslash\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("ok 11 - names & <escapes> \"quoted\" 'single' / ok \\# SKIP not really\n"),
            std::string::npos)
      << text;
}

TEST(TapReport, KeepsEachTestOnOneLine) {
  const std::string text = tap(testing::sample_run());

  EXPECT_NE(text.find("ok 10 - names & <escapes> \"quoted\" 'single' / multi\\nline\\r\\nname # "
                      "SKIP reason with \\# hash and \\\\ backslash\\nsecond line\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("/ control \\x1B[31mred\\x1B[0m bell\\x07 nul\\x00 vt\\x0B ff\\x0C "
                      "del\\x7F c1\\u0085\n"),
            std::string::npos)
      << text;
}

TEST(VisibleText, EscapesControlCharacters) {
  EXPECT_EQ(visible_text("a\tb\nc\x1B[31m\x7F\xC2\x85 \xC3\xA9"),
            "a\\tb\\nc\\x1B[31m\\x7F\\u0085 \xC3\xA9");
  EXPECT_EQ(visible_text(std::string("nul\0x", 5)), "nul\\x00x");
}

TEST(TapReport, SkipLineCarriesReason) {
  const std::string text = tap(testing::sample_run());

  EXPECT_NE(text.find("ok 4 - tenant smoke / delete actor # SKIP needs 'create actor', which "
                      "failed\n"),
            std::string::npos)
      << text;
}

TEST(TapReport, FailureDiagnosticsFollowTestLine) {
  const std::vector<std::string> block = test_block(tap(testing::sample_run()), "not ok 2 ");
  const std::vector<std::string> expected = {
      "not ok 2 - tenant smoke / create actor",
      "  ---",
      "  message: \"status eq 201: actual 500\"",
      "  severity: fail",
      "  step: \"check actor\"",
      "  request: \"GET https://dev.tapis.io/v3/actors/a1\"",
      "  subject: \"status\"",
      "  op: \"eq\"",
      "  expected: \"201\"",
      "  actual: \"500\"",
      "  at: \"suites/smoke.yaml:15:9\"",
      "  failed_assertions:",
      "    - subject: \"status\"",
      "      op: \"eq\"",
      "      expected: \"201\"",
      "      actual: \"500\"",
      "      step: \"check actor\"",
      "      at: \"suites/smoke.yaml:15:9\"",
      "    - subject: \"json $.result.id\"",
      "      op: \"exists\"",
      "      actual: \"(missing)\"",
      "      step: \"check actor\"",
      "      at: \"suites/smoke.yaml:17:9\"",
      "  details:",
      "    \"status\": \"500\"",
      "  ...",
  };
  EXPECT_EQ(block, expected);
}

TEST(TapReport, ErrorDiagnosticsHaveSeverityError) {
  const std::vector<std::string> block = test_block(tap(testing::sample_run()), "not ok 3 ");
  const std::vector<std::string> expected = {
      "not ok 3 - tenant smoke / list apps",
      "  ---",
      "  message: \"connection refused: dev.tapis.io:443\"",
      "  severity: error",
      "  step: \"list\"",
      "  request: \"GET https://dev.tapis.io/v3/apps\"",
      "  at: \"suites/smoke.yaml:21:5\"",
      "  details:",
      "    \"attempts\": \"3\"",
      "    \"elapsed\": \"2.500 s\"",
      "  ...",
  };
  EXPECT_EQ(block, expected);
}

TEST(TapReport, RepeatedDetailNamesStayUnique) {
  const std::string text = tap(testing::sample_run());

  EXPECT_NE(text.find("    \"attempt\": \"5: FAILED\"\n    \"attempt (2)\": \"4: RUNNING\"\n"),
            std::string::npos)
      << text;
}

TEST(TapReport, DiagnosticsUseYamlishSubset) {
  bool in_block = false;
  for (const std::string& line : split_lines(tap(testing::sample_run()))) {
    EXPECT_FALSE(line.empty()) << "blank line in the stream";
    if (line == "  ---")
      in_block = true;
    if (!in_block)
      continue;

    EXPECT_TRUE(line.starts_with("  ")) << line;
    EXPECT_FALSE(line.ends_with(": |") || line.ends_with(": |-") || line.ends_with(": >"))
        << "block scalar: " << line;
    if (line == "  ...")
      in_block = false;
  }
  EXPECT_FALSE(in_block) << "unterminated YAMLish block";
}

TEST(TapReport, PerlTapParserReadsStream) {
  if (testing::run_command("perl -MTAP::Parser -e 1").exit_code != 0) {
    GTEST_SKIP() << "perl with TAP::Parser not found: install perl";
  }

  const testing::CommandResult parsed = parse_with_perl(tap(testing::sample_run()));
  ASSERT_EQ(parsed.exit_code, 0) << parsed.output;
  EXPECT_NE(parsed.output.find("tests=11 passed=6 failed=5 skipped=2 planned=11\n"),
            std::string::npos)
      << parsed.output;
  EXPECT_EQ(parsed.output.find("parse error"), std::string::npos) << parsed.output;
  EXPECT_NE(parsed.output.find("yaml 2 severity=fail assertions=2 message=[status eq 201: actual "
                               "500]"),
            std::string::npos)
      << parsed.output;
  EXPECT_NE(parsed.output.find("yaml 5 severity=fail assertions=0 message=[json $.status eq "
                               "\"COMPLETE\": actual\n{\n  \"status\": \"FAILED\"\n}]"),
            std::string::npos)
      << parsed.output;
  EXPECT_NE(parsed.output.find("yaml 8 severity=error"), std::string::npos) << parsed.output;

  const testing::CommandResult empty = parse_with_perl(tap(testing::empty_run()));
  EXPECT_NE(empty.output.find("tests=0 passed=0 failed=0 skipped=0 planned=0\n"), std::string::npos)
      << empty.output;
}

TEST(TapReport, AcceptedByCheckReports) {
  const std::filesystem::path tool = testing::check_reports_path();
  if (!std::filesystem::exists(tool)) {
    GTEST_SKIP() << "check-reports not found at " << tool
                 << "; this check runs only where the report consumer kit is installed";
  }

  const auto golden = testing::test_data_dir() / "golden";
  const std::string check = testing::shell_quote(tool.string()) + " --tap ";
  const testing::CommandResult rich =
      testing::run_command(check + testing::shell_quote((golden / "rich.tap").string()) +
                           " --expect tests=11 --expect failed=5 --expect skipped=2 --expect "
                           "todo=0 --expect planned=11");
  EXPECT_EQ(rich.exit_code, 0) << rich.output;

  const testing::CommandResult empty =
      testing::run_command(check + testing::shell_quote((golden / "empty-run.tap").string()) +
                           " --expect tests=0 --expect failed=0 --expect planned=0");
  EXPECT_EQ(empty.exit_code, 0) << empty.output;

  // The checker must notice a wrong count, or the checks above prove nothing.
  const testing::CommandResult wrong = testing::run_command(
      check + testing::shell_quote((golden / "rich.tap").string()) + " --expect tests=12");
  EXPECT_EQ(wrong.exit_code, 1) << wrong.output;
}

}  // namespace
}  // namespace probe
