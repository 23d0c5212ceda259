#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <pugixml.hpp>
#include <regex>
#include <string>

#include "report.h"
#include "report_test_support.h"
#include "result.h"

namespace probe {
namespace {

using testing::TemporaryFolder;

std::string junit(const RunResult& run) {
  return testing::render(JunitReporter(), run);
}

// Parses `xml` and fails the test when pugixml rejects it.
pugi::xml_document parse(const std::string& xml) {
  pugi::xml_document document;
  const pugi::xml_parse_result parsed = document.load_string(xml.c_str());
  EXPECT_TRUE(parsed) << parsed.description() << " at offset " << parsed.offset;
  return document;
}

RunResult run_with_test(TestResult test) {
  SuiteResult suite;
  suite.name = "suite";
  suite.tests.push_back(std::move(test));
  RunResult run;
  run.suites.push_back(std::move(suite));
  return run;
}

// Returns the name attribute of the only testcase after a round trip through the writer.
std::string round_trip_name(const std::string& name) {
  const pugi::xml_document document =
      parse(junit(run_with_test(testing::test_result(name, Outcome::passed))));
  return document.child("testsuites")
      .child("testsuite")
      .child("testcase")
      .attribute("name")
      .value();
}

std::string testcase_time(double seconds) {
  const pugi::xml_document document =
      parse(junit(run_with_test(testing::test_result("t", Outcome::passed, "", seconds))));
  return document.child("testsuites")
      .child("testsuite")
      .child("testcase")
      .attribute("time")
      .value();
}

// Validates `xml` with xmllint against the copied Jenkins xUnit junit-10.xsd.
testing::CommandResult validate_with_xmllint(const std::string& xml) {
  TemporaryFolder folder;
  const auto file = folder.path() / "report.xml";
  testing::write_file(file, xml);
  const auto schema = testing::test_data_dir() / "xsd" / "jenkins-xunit-junit-10.xsd";
  return testing::run_command("xmllint --noout --schema " + testing::shell_quote(schema.string()) +
                              " " + testing::shell_quote(file.string()));
}

TEST(JunitReport, MatchesGoldenForRichRun) {
  testing::expect_matches_golden("rich.junit.xml", junit(testing::sample_run()));
}

TEST(JunitReport, MatchesGoldenForEmptyRun) {
  testing::expect_matches_golden("empty-run.junit.xml", junit(testing::empty_run()));
}

TEST(JunitReport, ValidatesAgainstXunitSchema) {
  if (!testing::command_exists("xmllint"))
    GTEST_SKIP() << "xmllint not found: install libxml2-utils";

  const testing::CommandResult rich = validate_with_xmllint(junit(testing::sample_run()));
  EXPECT_EQ(rich.exit_code, 0) << rich.output;
  const testing::CommandResult empty = validate_with_xmllint(junit(testing::empty_run()));
  EXPECT_EQ(empty.exit_code, 0) << empty.output;
}

// Shows that the schema check above can fail: junit-10.xsd allows at most 3 decimals.
TEST(JunitReport, SchemaCheckRejectsFourDecimals) {
  if (!testing::command_exists("xmllint"))
    GTEST_SKIP() << "xmllint not found: install libxml2-utils";

  const std::string xml =
      "<testsuites><testsuite name=\"s\" tests=\"0\" failures=\"0\" errors=\"0\" "
      "time=\"0.1234\"/></testsuites>";
  EXPECT_NE(validate_with_xmllint(xml).exit_code, 0);
}

TEST(JunitReport, RootHasNameAndTimeOnly) {
  const pugi::xml_document document = parse(junit(testing::sample_run()));
  const pugi::xml_node root = document.document_element();

  EXPECT_STREQ(root.name(), "testsuites");
  EXPECT_STREQ(root.attribute("name").value(), "tapis-probe");
  EXPECT_STREQ(root.attribute("time").value(), "12.346");
  EXPECT_EQ(std::distance(root.attributes_begin(), root.attributes_end()), 2);
}

TEST(JunitReport, SuiteCountsMatchTestcases) {
  const pugi::xml_document document = parse(junit(testing::sample_run()));

  int suites = 0;
  for (pugi::xml_node suite : document.child("testsuites").children("testsuite")) {
    ++suites;
    int tests = 0, failures = 0, errors = 0, skipped = 0;
    for (pugi::xml_node testcase : suite.children("testcase")) {
      ++tests;
      failures += static_cast<int>(
          std::distance(testcase.children("failure").begin(), testcase.children("failure").end()));
      errors += static_cast<int>(
          std::distance(testcase.children("error").begin(), testcase.children("error").end()));
      skipped += static_cast<int>(
          std::distance(testcase.children("skipped").begin(), testcase.children("skipped").end()));
      EXPECT_STREQ(testcase.attribute("classname").value(), suite.attribute("name").value());
    }
    EXPECT_EQ(suite.attribute("tests").as_int(-1), tests) << suite.attribute("name").value();
    EXPECT_EQ(suite.attribute("failures").as_int(-1), failures) << suite.attribute("name").value();
    EXPECT_EQ(suite.attribute("errors").as_int(-1), errors) << suite.attribute("name").value();
    EXPECT_EQ(suite.attribute("skipped").as_int(-1), skipped) << suite.attribute("name").value();
    EXPECT_FALSE(suite.child("testsuite")) << "suites must not nest";
  }
  EXPECT_EQ(suites, 3);

  const pugi::xml_node smoke = document.child("testsuites").child("testsuite");
  EXPECT_EQ(smoke.attribute("tests").as_int(), 5);
  EXPECT_EQ(smoke.attribute("failures").as_int(), 2);
  EXPECT_EQ(smoke.attribute("errors").as_int(), 1);
  EXPECT_EQ(smoke.attribute("skipped").as_int(), 1);
  EXPECT_STREQ(smoke.attribute("time").value(), "3.457");
  EXPECT_STREQ(smoke.attribute("timestamp").value(), "2026-12-04T16:25:52");
  EXPECT_STREQ(smoke.attribute("hostname").value(), "ci-runner-7");
}

TEST(JunitReport, TestcaseHasAtMostOneResult) {
  const pugi::xml_document document = parse(junit(testing::sample_run()));

  for (pugi::xpath_node found : document.select_nodes("//testcase")) {
    const pugi::xml_node testcase = found.node();
    int results = 0;
    for (pugi::xml_node child : testcase.children()) {
      const std::string name = child.name();
      if (name == "failure" || name == "error" || name == "skipped")
        ++results;
    }
    EXPECT_LE(results, 1) << testcase.attribute("name").value();
  }
}

TEST(JunitReport, PropertiesStayInSuite) {
  const pugi::xml_document document = parse(junit(testing::sample_run()));

  EXPECT_TRUE(document.select_nodes("//testcase/properties").empty());
  const pugi::xml_node note =
      document.select_node("//testsuite/properties/property[@name='note']").node();
  ASSERT_TRUE(note);
  EXPECT_STREQ(note.attribute("value").value(), "a & b < c > d \"e\" 'f'");
  EXPECT_TRUE(note.text().empty());
}

TEST(JunitReport, FailureListsEveryFailedAssertion) {
  const pugi::xml_document document = parse(junit(testing::sample_run()));
  const pugi::xml_node failure =
      document.select_node("//testcase[@name='create actor']/failure").node();
  ASSERT_TRUE(failure);

  EXPECT_STREQ(failure.attribute("type").value(), "assertion");
  EXPECT_STREQ(failure.attribute("message").value(), "status eq 201: actual 500");
  const std::string text = failure.text().get();
  EXPECT_TRUE(
      text.starts_with("suites/smoke.yaml:15:9: step \"check actor\": status eq 201 failed"))
      << text;
  EXPECT_NE(
      text.find("suites/smoke.yaml:17:9: step \"check actor\": json $.result.id exists failed"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("actual: (missing)"), std::string::npos) << text;
  EXPECT_EQ(text.find("Content-Type"), std::string::npos) << "a passed assertion was listed";
}

TEST(JunitReport, MultiLineMessageSurvivesAttribute) {
  const pugi::xml_document document = parse(junit(testing::sample_run()));
  const pugi::xml_node failure =
      document.select_node("//testcase[@name='poll execution']/failure").node();
  ASSERT_TRUE(failure);

  EXPECT_STREQ(failure.attribute("message").value(),
               "json $.status eq \"COMPLETE\": actual\n{\n  \"status\": \"FAILED\"\n}");
}

TEST(JunitReport, ErrorAndSkippedElements) {
  const pugi::xml_document document = parse(junit(testing::sample_run()));

  const pugi::xml_node error = document.select_node("//testcase[@name='list apps']/error").node();
  ASSERT_TRUE(error);
  EXPECT_STREQ(error.attribute("type").value(), "error");
  EXPECT_STREQ(error.attribute("message").value(), "connection refused: dev.tapis.io:443");
  EXPECT_TRUE(std::string(error.text().get()).starts_with("suites/smoke.yaml:21:5: step \"list\""));

  const pugi::xml_node skipped =
      document.select_node("//testcase[@name='delete actor']/skipped").node();
  ASSERT_TRUE(skipped);
  EXPECT_STREQ(skipped.attribute("message").value(), "needs 'create actor', which failed");
}

TEST(JunitReport, StepLogInTestcaseOutput) {
  const pugi::xml_document document = parse(junit(testing::sample_run()));
  const std::string output =
      document.select_node("//testcase[@name='list apps']/system-out").node().text().get();

  EXPECT_NE(output.find("step \"list\": error in 2.500 s (suites/smoke.yaml:21:5)"),
            std::string::npos)
      << output;
  EXPECT_NE(output.find("request: GET https://dev.tapis.io/v3/apps"), std::string::npos) << output;
  EXPECT_NE(output.find("attempts: 3"), std::string::npos) << output;
  EXPECT_TRUE(document.select_nodes("/testsuites/testsuite/system-out").empty());
}

TEST(JunitReport, CdataTerminatorKeptAsText) {
  const pugi::xml_document document = parse(junit(testing::sample_run()));
  const pugi::xml_node testcase =
      document.select_node("//testcase[@name='name with ]]> and <tags> & \"quotes\"']").node();
  ASSERT_TRUE(testcase);

  EXPECT_NE(std::string(testcase.child("system-out").text().get()).find("< ]]>]]>"),
            std::string::npos);
}

TEST(JunitReport, WritesOnlyXmlCharacters) {
  const std::string xml = junit(testing::sample_run());

  for (std::size_t i = 0; i < xml.size(); ++i) {
    const auto byte = static_cast<unsigned char>(xml[i]);
    EXPECT_FALSE(byte < 0x20 && byte != '\t' && byte != '\n' && byte != '\r')
        << "control byte " << int{byte} << " at offset " << i;
  }
  EXPECT_EQ(xml.find("\xef\xbf\xbe"), std::string::npos) << "U+FFFE written";
  const std::regex forbidden_reference(
      "&#(x0*[0-8bcBCefEF]|x0*1[0-9a-fA-F]|0*([0-8]|1[1-2]|1[4-9]|2[0-9]|3[01]));");
  EXPECT_FALSE(std::regex_search(xml, forbidden_reference)) << "forbidden character reference";
}

TEST(JunitReport, ReplacesForbiddenCharactersVisibly) {
  using namespace std::string_literals;

  EXPECT_EQ(round_trip_name("a\x1b[0mb"), "a[NON-XML-CHAR-0x1B][0mb");
  EXPECT_EQ(round_trip_name("nul\0x"s), "nul[NON-XML-CHAR-0x00]x");
  EXPECT_EQ(round_trip_name("vt\x0b ff\x0c"), "vt[NON-XML-CHAR-0x0B] ff[NON-XML-CHAR-0x0C]");
  EXPECT_EQ(round_trip_name("\xef\xbf\xbe\xef\xbf\xbf"),
            "[NON-XML-CHAR-0xFFFE][NON-XML-CHAR-0xFFFF]");
  EXPECT_EQ(round_trip_name("tab\tline\ncr\r"), "tab\tline\ncr\r");
  EXPECT_EQ(round_trip_name("del\x7f c1\xc2\x85"), "del\x7f c1\xc2\x85");
}

TEST(JunitReport, ReplacesInvalidUtf8) {
  const std::string replacement = "\xef\xbf\xbd";

  EXPECT_EQ(round_trip_name("\xc3\x28"), replacement + "(");
  EXPECT_EQ(round_trip_name("\xff"), replacement);
  EXPECT_EQ(round_trip_name("\xc0\xaf"), replacement + replacement);
  EXPECT_EQ(round_trip_name("\xed\xa0\x80"), replacement + replacement + replacement);
  EXPECT_EQ(round_trip_name("\xf4\x90\x80\x80"),
            replacement + replacement + replacement + replacement);
  EXPECT_EQ(round_trip_name("end \xe2\x82"), "end " + replacement);
  EXPECT_EQ(round_trip_name("\xe2\x82x"), replacement + "x");
  EXPECT_EQ(round_trip_name("naïve ✓ 😀"), "naïve ✓ 😀");
}

TEST(JunitReport, TimesArePlainDecimals) {
  EXPECT_EQ(testcase_time(0.125), "0.125");
  EXPECT_EQ(testcase_time(2.0), "2.000");
  EXPECT_EQ(testcase_time(1e-9), "0.000");
  EXPECT_EQ(testcase_time(12345.6789), "12345.679");
  EXPECT_EQ(testcase_time(1e21), "1000000000000000000000.000");
  EXPECT_EQ(testcase_time(-1), "0.000");
  EXPECT_EQ(testcase_time(std::numeric_limits<double>::quiet_NaN()), "0.000");
  EXPECT_EQ(testcase_time(std::numeric_limits<double>::infinity()), "0.000");
}

TEST(JunitReport, AcceptedByCheckReports) {
  const std::filesystem::path tool = testing::check_reports_path();
  if (!std::filesystem::exists(tool)) {
    GTEST_SKIP() << "check-reports not found at " << tool
                 << "; this check runs only where the report consumer kit is installed";
  }

  const auto golden = testing::test_data_dir() / "golden";
  const testing::CommandResult rich = testing::run_command(
      testing::shell_quote(tool.string()) + " --junit " +
      testing::shell_quote((golden / "rich.junit.xml").string()) +
      " --expect tests=11 --expect failures=3 --expect errors=2 --expect skipped=2");
  EXPECT_EQ(rich.exit_code, 0) << rich.output;

  const testing::CommandResult empty = testing::run_command(
      testing::shell_quote(tool.string()) + " --junit " +
      testing::shell_quote((golden / "empty-run.junit.xml").string()) +
      " --expect tests=0 --expect failures=0 --expect errors=0 --expect skipped=0");
  EXPECT_EQ(empty.exit_code, 0) << empty.output;

  // The checker must notice a wrong count, or the checks above prove nothing.
  const testing::CommandResult wrong = testing::run_command(
      testing::shell_quote(tool.string()) + " --junit " +
      testing::shell_quote((golden / "rich.junit.xml").string()) + " --expect failures=4");
  EXPECT_EQ(wrong.exit_code, 1) << wrong.output;
}

}  // namespace
}  // namespace probe
