// Failures during stateful tests. A failed job and a stalled transfer are reported with how the
// poll ended. Cleanup deletes what each test created, whatever ended the test: an assertion, a
// request error, a poll timeout, a fail condition or SIGTERM during a poll. The simulator's
// /_sim/state shows what is left behind.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <ctime>
#include <regex>
#include <thread>

#include "e2e_test.h"

namespace probe::e2e {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr const char* kCase = "tests/e2e/cases/cleanup.yaml";
// In the JUnit output of a case whose cleanup polls for the cancelled transfer: that poll ran
// within the grace period, after the signal or --max-time.
constexpr const char* kCleanupPollPassed = R"(cleanup step "wait for the cancel": passed)";
constexpr const char* kFaultSpec = "GET /v3/systems/probe-fault-* reset";

std::string testcase(const std::string& name) {
  return "//testcase[@name='" + name + "']";
}

// Milliseconds since the epoch of a simulator timestamp such as 2026-12-04T19:55:00.123Z.
long long epoch_millis(const std::string& text) {
  std::tm parts{};
  int millis = 0;
  if (std::sscanf(text.c_str(), "%d-%d-%dT%d:%d:%d.%dZ", &parts.tm_year, &parts.tm_mon,
                  &parts.tm_mday, &parts.tm_hour, &parts.tm_min, &parts.tm_sec, &millis) != 7) {
    ADD_FAILURE() << "not a simulator timestamp: " << text;
    return 0;
  }
  parts.tm_year -= 1900;
  parts.tm_mon -= 1;
  return static_cast<long long>(timegm(&parts)) * 1000 + millis;
}

// The state with what is expected to change removed: jobs and transfers stay, as in Tapis, and
// soft-deleted systems and apps stay counted as deleted.
json lasting_state(json state) {
  state.erase("jobs");
  state.erase("transfers");
  for (const char* kind : {"systems", "apps"}) {
    if (state.contains(kind))
      state[kind].erase("deleted");
  }
  return state;
}

// Checks that `after` contains nothing more than `before`, and that nothing still changes status.
void expect_cleaned_up(const json& before, const json& after) {
  EXPECT_EQ(lasting_state(after), lasting_state(before)) << "before:\n"
                                                         << before.dump(2) << "\nafter:\n"
                                                         << after.dump(2);
  EXPECT_EQ(after.value("pending_lifecycles", -1), 0) << after.dump(2);
}

// The requests with `method` whose path matches `pattern`.
std::vector<json> requests_matching(const json& requests, const std::string& method,
                                    const std::string& pattern) {
  std::vector<json> found;
  std::regex expression(pattern);
  for (const json& request : requests) {
    if (request.value("method", "") == method &&
        std::regex_match(request.value("path", ""), expression))
      found.push_back(request);
  }
  return found;
}

// The text of the JUnit <system-out> of one testcase.
std::string system_out(const std::string& junit_text, const std::string& test_name) {
  size_t start = junit_text.find("<testcase name=\"" + test_name + "\"");
  if (start == std::string::npos)
    return "";
  size_t end = junit_text.find("</testcase>", start);
  return junit_text.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// Each test runs with -j 1, where a poll waits on its test's thread, and with -j 4, where the
// poll loop's thread sends the attempts: both must report the same and clean up.
class CleanupAfterFailure : public SimulatorTest, public testing::WithParamInterface<const char*> {
 protected:
  // Starts the simulator with short status times and the reset fault, and runs the case file.
  ProcessResult run_case() {
    start_simulator({"--pace", "0.1", "--fault", kFaultSpec});
    before_ = simulator().state();
    return run_probe(concat({{"run", kCase, "-j", GetParam()}, site_args(), report_args(reports_)}),
                     simulator_secrets());
  }

  ReportPaths reports_ = report_paths();
  json before_;
};

INSTANTIATE_TEST_SUITE_P(Jobs, CleanupAfterFailure, testing::Values("1", "4"));

TEST_P(CleanupAfterFailure, EveryKindOfFailureCleansUp) {
  ProcessResult run = run_case();

  EXPECT_EQ(run.status.exit_code, 1) << describe(run.status) << "\n" << run.out << run.err;
  EXPECT_TRUE(reports_are_valid(reports_, {.tests = 4, .failures = 3, .errors = 1}));
  EXPECT_EQ(xpath_count(reports_.junit, testcase("assertion fails") + "/failure"), 1);
  EXPECT_EQ(xpath_count(reports_.junit, testcase("request error") + "/error"), 1);
  EXPECT_EQ(xpath_count(reports_.junit, testcase("poll times out") + "/failure"), 1);
  EXPECT_EQ(xpath_count(reports_.junit, testcase("fail condition") + "/failure"), 1);

  json after = simulator().state();
  expect_cleaned_up(before_, after);
  // The stalled transfer was cancelled; the failed job stays FAILED.
  EXPECT_EQ(after["transfers"]["by_status"], json({{"CANCELLED", 1}})) << after.dump(2);
  EXPECT_EQ(after["jobs"]["by_status"].value("FAILED", 0),
            before_["jobs"]["by_status"].value("FAILED", 0) + 1)
      << after.dump(2);
  EXPECT_EQ(after["systems"]["deleted"], before_["systems"]["deleted"].get<int>() + 1);
  EXPECT_EQ(after["apps"]["deleted"], before_["apps"]["deleted"].get<int>() + 1);

  // Every cleanup step sent its request, and none failed.
  json requests = simulator().requests();
  for (const auto& [method, pattern] : std::vector<std::pair<std::string, std::string>>{
           {"DELETE", "/v3/pods/assert[0-9a-f]+"},
           {"DELETE", "/v3/actors/[^/]+"},
           {"DELETE", "/v3/streams/projects/assert-[0-9a-f]+"},
           {"DELETE", "/v3/files/postits/[^/]+"},
           {"DELETE", "/v3/files/ops/sim-storage/fault-[0-9a-f]+"},
           {"POST", "/v3/systems/probe-fault-[0-9a-f]+/delete"},
           {"DELETE", "/v3/files/transfers/[^/]+"},
           {"DELETE", "/v3/files/ops/sim-storage/stall-[0-9a-f]+"},
           {"POST", "/v3/jobs/[^/]+/cancel"},
           {"POST", "/v3/apps/failapp-[0-9a-f]+/delete"},
       }) {
    EXPECT_EQ(requests_matching(requests, method, pattern).size(), 1u) << method << " " << pattern;
  }
  EXPECT_EQ(run.out.find("cleanup failed"), std::string::npos) << run.out;
}

TEST_P(CleanupAfterFailure, FailedJobIsReportedWithinOnePollInterval) {
  ProcessResult run = run_case();
  ASSERT_FALSE(run.status.timed_out) << run.out;

  json requests = simulator().requests();
  std::vector<json> polls = requests_matching(requests, "GET", "/v3/jobs/[^/]+/status");
  ASSERT_FALSE(polls.empty()) << requests.dump(2);
  std::string status_path = polls.back()["path"];
  std::string uuid = status_path.substr(
      std::string("/v3/jobs/").size(), status_path.size() - std::string("/v3/jobs//status").size());
  json job = simulator().get_as_user("/v3/jobs/" + uuid)["result"];
  ASSERT_EQ(job["status"], "FAILED") << job.dump(2);
  long long failed_at = epoch_millis(job["ended"]);

  // Only the attempt right after the failure saw it, and the poll stopped there.
  int after_failure = 0;
  for (const json& poll : polls)
    after_failure += epoch_millis(poll["time"]) >= failed_at ? 1 : 0;
  EXPECT_EQ(after_failure, 1) << polls.size() << " status requests";
  long long seen_after_ms = epoch_millis(polls.back()["time"]) - failed_at;
  // The interval is 1 s; the rest is room for a loaded machine.
  EXPECT_LE(seen_after_ms, 2500) << "the failure was seen " << seen_after_ms << " ms late";

  // Both reports say why the test failed and how many attempts it took.
  std::string junit = read_file(reports_.junit);
  std::string job_out = system_out(junit, "fail condition");
  std::smatch match;
  std::regex ended(R"(hit its fail condition after (\d+) attempts? in (\d+\.\d) s)");
  ASSERT_TRUE(std::regex_search(job_out, match, ended)) << job_out;
  EXPECT_EQ(std::stoul(match[1]), polls.size());
  EXPECT_NE(job_out.find("FAILED"), std::string::npos) << job_out;
  EXPECT_EQ(xpath_count(reports_.junit, testcase("fail condition") +
                                            "/failure[contains(., 'hit its fail condition')]"),
            1);
  std::string tap = read_file(reports_.tap);
  EXPECT_NE(tap.find("poll: expected not json $.result.status in"), std::string::npos) << tap;
  EXPECT_NE(tap.find("hit its fail condition after " + std::string(match[1]) + " attempt"),
            std::string::npos)
      << tap;
  EXPECT_NE(tap.find("\"poll attempts\": \"" + std::string(match[1]) + "\""), std::string::npos)
      << tap;
}

TEST_P(CleanupAfterFailure, StalledTransferIsReportedAtItsTimeout) {
  ProcessResult run = run_case();
  ASSERT_FALSE(run.status.timed_out) << run.out;

  json requests = simulator().requests();
  std::vector<json> polls = requests_matching(requests, "GET", "/v3/files/transfers/[^/]+");
  ASSERT_GE(polls.size(), 2u) << requests.dump(2);
  long long polled_ms = epoch_millis(polls.back()["time"]) - epoch_millis(polls.front()["time"]);
  // The timeout is 1.5 s, the last attempt falls on it, and the poll stops there.
  EXPECT_GE(polled_ms, 1200) << polled_ms;
  EXPECT_LE(polled_ms, 4000) << polled_ms;

  std::regex timed_out(R"(timed out after (\d+) attempts in (\d+\.\d) s)");
  std::string junit = read_file(reports_.junit);
  std::string transfer_out = system_out(junit, "poll times out");
  std::smatch match;
  ASSERT_TRUE(std::regex_search(transfer_out, match, timed_out)) << transfer_out;
  EXPECT_EQ(std::stoul(match[1]), polls.size());
  double seconds = std::stod(match[2]);
  EXPECT_GE(seconds, 1.5);
  EXPECT_LT(seconds, 5.0);
  EXPECT_NE(transfer_out.find("IN_PROGRESS"), std::string::npos) << transfer_out;
  EXPECT_EQ(xpath_count(reports_.junit,
                        testcase("poll times out") + "/failure[contains(., 'timed out after')]"),
            1);

  std::string tap = read_file(reports_.tap);
  std::string expected =
      "timed out after " + std::string(match[1]) + " attempts in " + std::string(match[2]) + " s";
  EXPECT_NE(tap.find(expected), std::string::npos) << tap;
  EXPECT_NE(tap.find("\"poll attempts\": \"" + std::string(match[1]) + "\""), std::string::npos)
      << tap;
  EXPECT_NE(tap.find("\"poll seconds\": \"" + std::string(match[2])), std::string::npos) << tap;
}

TEST_P(CleanupAfterFailure, SigtermDuringPollStillCleansUp) {
  Simulator& sim = start_simulator({"--pace", "0.1"});
  json before = sim.state();
  ReportPaths reports = report_paths();
  std::unique_ptr<Process> probe =
      start_probe(concat({{"run", "tests/e2e/cases/interrupt-poll.yaml", "-j", GetParam()},
                          site_args(),
                          report_args(reports)}),
                  simulator_secrets(), "probe");

  // Wait until the poll has sent a few requests.
  auto deadline = std::chrono::steady_clock::now() + 20s;
  size_t polls = 0;
  while (std::chrono::steady_clock::now() < deadline && probe->running()) {
    polls = requests_matching(sim.requests(), "GET", "/v3/files/transfers/[^/]+").size();
    if (polls >= 3)
      break;
    std::this_thread::sleep_for(50ms);
    probe->poll();
  }
  ASSERT_GE(polls, 3u) << "the poll did not start";
  ASSERT_TRUE(probe->running());

  probe->send_signal(SIGTERM);
  ExitStatus status = probe->wait(20s);
  std::string out = read_file(temp().file("probe.out"));

  EXPECT_EQ(status.exit_code, 143) << describe(status) << "\n" << out;
  EXPECT_TRUE(reports_are_valid(reports, {.tests = 1, .errors = 1}));
  EXPECT_NE(read_file(reports.junit).find(kCleanupPollPassed), std::string::npos)
      << read_file(reports.junit);
  json after = sim.state();
  expect_cleaned_up(before, after);
  EXPECT_EQ(after["transfers"]["by_status"], json({{"CANCELLED", 1}})) << after.dump(2);
}

TEST_P(CleanupAfterFailure, MaxTimeEndsPollWait) {
  Simulator& sim = start_simulator();
  json before = sim.state();
  ReportPaths reports = report_paths();
  ProcessResult run =
      run_probe(concat({{"run", "tests/e2e/cases/max-time-poll.yaml"},
                        site_args(),
                        report_args(reports),
                        {"--max-time", "2", "--cleanup-grace", "20", "-j", GetParam()}}),
                simulator_secrets());

  EXPECT_EQ(run.status.exit_code, 1) << describe(run.status) << "\n" << run.out << run.err;
  // The poll's first wait would end 30 s after its first attempt.
  EXPECT_LT(run.seconds, 20) << run.out;
  EXPECT_NE(run.out.find("--max-time was reached"), std::string::npos) << run.out;
  EXPECT_TRUE(reports_are_valid(reports, {.tests = 1, .errors = 1}));
  EXPECT_NE(read_file(reports.junit).find(kCleanupPollPassed), std::string::npos)
      << read_file(reports.junit);
  json after = sim.state();
  expect_cleaned_up(before, after);
  EXPECT_EQ(after["transfers"]["by_status"], json({{"CANCELLED", 1}})) << after.dump(2);
}

}  // namespace
}  // namespace probe::e2e
