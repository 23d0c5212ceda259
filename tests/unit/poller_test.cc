#include "poller.h"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "fake_http_client.h"

namespace probe {
namespace {

using nlohmann::json;
using testing::json_response;
using testing::OfflineRun;

// A clock that moves only when a test advances it. Each sleep is recorded and moves the clock by
// its full length, unless an interruption is scheduled for it: then the clock moves by `cut_after`
// seconds and the sleep reports that it was cut short.
class FakeWaiter : public Waiter {
 public:
  std::chrono::steady_clock::time_point now() const override { return now_; }

  bool sleep_for(double seconds) override {
    sleeps.push_back(seconds);
    if (interrupt_at_sleep && sleeps.size() == *interrupt_at_sleep) {
      advance(cut_after);
      return false;
    }
    advance(seconds);
    return true;
  }

  void advance(double seconds) {
    now_ += std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(seconds));
  }

  double elapsed() const { return std::chrono::duration<double>(now_ - start_).count(); }

  std::vector<double> sleeps;
  std::optional<size_t> interrupt_at_sleep;  // 1-based
  double cut_after = 0;

 private:
  std::chrono::steady_clock::time_point start_{std::chrono::hours(1000)};
  std::chrono::steady_clock::time_point now_ = start_;
};

// An attempt function that is pending until attempt `satisfied_at` (never when 0), and records
// the attempt numbers and the clock at each attempt.
struct Attempts {
  explicit Attempts(FakeWaiter& clock, int satisfied_on = 0, double seconds_each = 0)
      : waiter(clock), satisfied_at(satisfied_on), seconds_per_attempt(seconds_each) {}

  AttemptVerdict operator()(int attempt) {
    numbers.push_back(attempt);
    times.push_back(waiter.elapsed());
    waiter.advance(seconds_per_attempt);
    return attempt == satisfied_at ? AttemptVerdict::satisfied : AttemptVerdict::pending;
  }

  FakeWaiter& waiter;
  int satisfied_at;
  double seconds_per_attempt;
  std::vector<int> numbers;
  std::vector<double> times;
};

PollPolicy policy(double interval, double backoff, double timeout,
                  std::optional<double> max_interval = std::nullopt,
                  std::optional<long long> max_attempts = std::nullopt) {
  PollPolicy result;
  result.interval_seconds = interval;
  result.backoff = backoff;
  result.timeout_seconds = timeout;
  result.max_interval_seconds = max_interval;
  result.max_attempts = max_attempts;
  return result;
}

void expect_near_all(const std::vector<double>& actual, const std::vector<double>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i)
    EXPECT_NEAR(actual[i], expected[i], 1e-9) << "at index " << i;
}

TEST(Poller, FirstAttemptSuccessSkipsWait) {
  FakeWaiter waiter;
  Attempts attempts(waiter, 1);

  PollOutcome outcome = run_poll(policy(2, 1, 60), waiter, std::ref(attempts));

  EXPECT_EQ(outcome.stop, PollStop::satisfied);
  EXPECT_EQ(outcome.attempts, 1);
  EXPECT_EQ(outcome.seconds, 0);
  EXPECT_TRUE(waiter.sleeps.empty());
}

TEST(Poller, FixedIntervalWaitsTheSameEachTime) {
  FakeWaiter waiter;
  Attempts attempts(waiter, 4);

  PollOutcome outcome = run_poll(policy(2, 1, 60), waiter, std::ref(attempts));

  EXPECT_EQ(outcome.stop, PollStop::satisfied);
  EXPECT_EQ(outcome.attempts, 4);
  EXPECT_EQ(attempts.numbers, (std::vector<int>{1, 2, 3, 4}));
  expect_near_all(waiter.sleeps, {2, 2, 2});
  expect_near_all(attempts.times, {0, 2, 4, 6});
  EXPECT_NEAR(outcome.seconds, 6, 1e-9);
}

TEST(Poller, BackoffMultipliesEachWait) {
  FakeWaiter waiter;
  Attempts attempts(waiter, 5);

  PollOutcome outcome = run_poll(policy(1, 2, 600), waiter, std::ref(attempts));

  EXPECT_EQ(outcome.stop, PollStop::satisfied);
  expect_near_all(waiter.sleeps, {1, 2, 4, 8});
  EXPECT_NEAR(outcome.seconds, 15, 1e-9);
}

TEST(Poller, BackoffIsCappedByMaxInterval) {
  FakeWaiter waiter;
  Attempts attempts(waiter, 6);

  run_poll(policy(1, 3, 600, 5), waiter, std::ref(attempts));

  expect_near_all(waiter.sleeps, {1, 3, 5, 5, 5});
}

TEST(Poller, FractionalBackoffAndInterval) {
  FakeWaiter waiter;
  Attempts attempts(waiter, 4);

  run_poll(policy(0.5, 1.5, 600, 1), waiter, std::ref(attempts));

  expect_near_all(waiter.sleeps, {0.5, 0.75, 1});
}

TEST(Poller, LastWaitLandsOnTimeout) {
  FakeWaiter waiter;
  Attempts attempts(waiter);

  PollOutcome outcome = run_poll(policy(2, 1, 7), waiter, std::ref(attempts));

  EXPECT_EQ(outcome.stop, PollStop::timed_out);
  // Attempts at 0, 2, 4, 6 and, after a wait shortened to 1 s, at the deadline itself.
  expect_near_all(attempts.times, {0, 2, 4, 6, 7});
  expect_near_all(waiter.sleeps, {2, 2, 2, 1});
  EXPECT_EQ(outcome.attempts, 5);
  EXPECT_NEAR(outcome.seconds, 7, 1e-9);
}

TEST(Poller, TimeoutShortensABackedOffWait) {
  FakeWaiter waiter;
  Attempts attempts(waiter);

  PollOutcome outcome = run_poll(policy(1, 2, 10), waiter, std::ref(attempts));

  EXPECT_EQ(outcome.stop, PollStop::timed_out);
  expect_near_all(waiter.sleeps, {1, 2, 4, 3});
  EXPECT_EQ(outcome.attempts, 5);
  EXPECT_NEAR(outcome.seconds, 10, 1e-9);
}

TEST(Poller, TimeoutCountsTheTimeRequestsTake) {
  FakeWaiter waiter;
  Attempts attempts(waiter, 0, 3);  // every request takes 3 s

  PollOutcome outcome = run_poll(policy(1, 1, 10), waiter, std::ref(attempts));

  // 0-3 request, 3-4 wait, 4-7 request, 7-8 wait, 8-11 request: past the deadline, so no wait.
  EXPECT_EQ(outcome.stop, PollStop::timed_out);
  EXPECT_EQ(outcome.attempts, 3);
  expect_near_all(waiter.sleeps, {1, 1});
  EXPECT_NEAR(outcome.seconds, 11, 1e-9);
}

TEST(Poller, ConditionMetAtDeadlineSucceeds) {
  FakeWaiter waiter;
  Attempts attempts(waiter, 3);

  PollOutcome outcome = run_poll(policy(5, 1, 10), waiter, std::ref(attempts));

  EXPECT_EQ(outcome.stop, PollStop::satisfied);
  EXPECT_EQ(outcome.attempts, 3);
  EXPECT_NEAR(outcome.seconds, 10, 1e-9);
}

TEST(Poller, MaxAttemptsIncludesFirstAttempt) {
  FakeWaiter waiter;
  Attempts attempts(waiter);

  PollOutcome outcome = run_poll(policy(1, 1, 600, std::nullopt, 3), waiter, std::ref(attempts));

  EXPECT_EQ(outcome.stop, PollStop::attempts_exhausted);
  EXPECT_EQ(outcome.attempts, 3);
  expect_near_all(waiter.sleeps, {1, 1});
  EXPECT_NEAR(outcome.seconds, 2, 1e-9);
}

TEST(Poller, MaxAttemptsOfOneSendsOneRequest) {
  FakeWaiter waiter;
  Attempts attempts(waiter);

  PollOutcome outcome = run_poll(policy(1, 1, 600, std::nullopt, 1), waiter, std::ref(attempts));

  EXPECT_EQ(outcome.stop, PollStop::attempts_exhausted);
  EXPECT_EQ(outcome.attempts, 1);
  EXPECT_TRUE(waiter.sleeps.empty());
}

TEST(Poller, TimeoutBeforeMaxAttempts) {
  FakeWaiter waiter;
  Attempts attempts(waiter);

  PollOutcome outcome = run_poll(policy(10, 1, 25, std::nullopt, 10), waiter, std::ref(attempts));

  EXPECT_EQ(outcome.stop, PollStop::timed_out);
  expect_near_all(attempts.times, {0, 10, 20, 25});
  EXPECT_EQ(outcome.attempts, 4);
}

TEST(Poller, MaxAttemptsBeforeTimeout) {
  FakeWaiter waiter;
  Attempts attempts(waiter);

  PollOutcome outcome = run_poll(policy(10, 1, 100, std::nullopt, 4), waiter, std::ref(attempts));

  EXPECT_EQ(outcome.stop, PollStop::attempts_exhausted);
  EXPECT_EQ(outcome.attempts, 4);
  EXPECT_NEAR(outcome.seconds, 30, 1e-9);
}

TEST(Poller, TimeoutWinsTieWithMaxAttempts) {
  FakeWaiter waiter;
  Attempts attempts(waiter);

  PollOutcome outcome = run_poll(policy(5, 1, 10, std::nullopt, 3), waiter, std::ref(attempts));

  EXPECT_EQ(outcome.attempts, 3);
  EXPECT_EQ(outcome.stop, PollStop::timed_out);
}

TEST(Poller, FailVerdictEndsThePollAtOnce) {
  FakeWaiter waiter;
  std::vector<int> seen;

  PollOutcome outcome = run_poll(policy(2, 1, 60), waiter, [&](int attempt) {
    seen.push_back(attempt);
    return attempt == 2 ? AttemptVerdict::failed : AttemptVerdict::pending;
  });

  EXPECT_EQ(outcome.stop, PollStop::failed);
  EXPECT_EQ(outcome.attempts, 2);
  EXPECT_EQ(seen, (std::vector<int>{1, 2}));
  expect_near_all(waiter.sleeps, {2});
}

TEST(Poller, FailOnLastAttemptIsFailure) {
  FakeWaiter waiter;

  PollOutcome outcome = run_poll(policy(1, 1, 600, std::nullopt, 2), waiter, [](int attempt) {
    return attempt == 2 ? AttemptVerdict::failed : AttemptVerdict::pending;
  });

  EXPECT_EQ(outcome.stop, PollStop::failed);
}

TEST(Poller, InterruptEndsTheWaitAtOnce) {
  FakeWaiter waiter;
  waiter.interrupt_at_sleep = 2;
  waiter.cut_after = 0.25;  // the signal arrives 0.25 s into a 30 s wait
  Attempts attempts(waiter);

  PollOutcome outcome = run_poll(policy(30, 1, 600), waiter, std::ref(attempts));

  EXPECT_EQ(outcome.stop, PollStop::interrupted);
  EXPECT_EQ(outcome.attempts, 2);
  EXPECT_EQ(attempts.numbers, (std::vector<int>{1, 2}));  // no attempt after the signal
  EXPECT_EQ(waiter.sleeps.size(), 2u);
  EXPECT_NEAR(outcome.seconds, 30.25, 1e-9);
}

TEST(Poller, DescribeSaysHowThePollEnded) {
  EXPECT_EQ(describe({PollStop::satisfied, 3, 2.14}), "condition met after 3 attempts in 2.1 s");
  EXPECT_EQ(describe({PollStop::failed, 1, 0.04}),
            "hit its fail condition after 1 attempt in 0.0 s");
  EXPECT_EQ(describe({PollStop::timed_out, 12, 60}), "timed out after 12 attempts in 60.0 s");
  EXPECT_EQ(describe({PollStop::attempts_exhausted, 5, 4}),
            "gave up at max_attempts after 5 attempts in 4.0 s");
  EXPECT_EQ(describe({PollStop::interrupted, 2, 1.5}), "interrupted after 2 attempts in 1.5 s");
}

// The poll step through the executor: how `until`, `fail_when`, errors and interruptions turn
// into attempt verdicts, with the fake clock in place of the real one.

constexpr const char* kJobUrl = "https://tapis.test/v3/jobs/j1/status";

std::string poll_suite(const std::string& poll_block) {
  return "name: poll\n"
         "tests:\n"
         "  - name: wait\n"
         "    steps:\n"
         "      - name: wait for the job\n"
         "        request: {url: /v3/jobs/j1/status}\n"
         "        poll:\n" +
         poll_block +
         "    cleanup:\n"
         "      - name: cancel\n"
         "        request: {method: POST, url: /v3/jobs/j1/cancel}\n";
}

constexpr const char* kJobPoll =
    "          interval: 2s\n"
    "          timeout: 60s\n"
    "          until:\n"
    "            json: {$.result.status: FINISHED}\n"
    "          fail_when:\n"
    "            json: {$.result.status: {in: [FAILED, CANCELLED]}}\n";

// Answers the job status route with `statuses` in turn, repeating the last one.
void serve_statuses(OfflineRun& run, std::vector<json> statuses) {
  auto served = std::make_shared<size_t>(0);
  run.client.on("GET", kJobUrl, [statuses, served](const HttpRequest&) {
    const json& status = statuses[std::min(*served, statuses.size() - 1)];
    ++*served;
    return testing::FakeHttpClient::Result(
        json_response(200, {{"status", "success"}, {"result", {{"status", status}}}}));
  });
}

std::string detail(const StepResult& step, const std::string& key) {
  for (const auto& [name, value] : step.details) {
    if (name == key)
      return value;
  }
  return "";
}

TEST(PollStep, PollsUntilTheConditionHolds) {
  OfflineRun run;
  FakeWaiter waiter;
  run.options.waiter = &waiter;
  serve_statuses(run, {"PENDING", "RUNNING", "FINISHED"});

  SuiteResult result = run.run(poll_suite(kJobPoll));

  const StepResult& step = result.tests.at(0).steps.at(0);
  EXPECT_EQ(step.outcome, Outcome::passed) << step.error;
  EXPECT_EQ(run.client.count("GET", kJobUrl), 3);
  expect_near_all(waiter.sleeps, {2, 2});
  EXPECT_EQ(detail(step, "poll"), "condition met after 3 attempts in 4.0 s");
  EXPECT_EQ(detail(step, "poll attempts"), "3");
  EXPECT_EQ(detail(step, "poll seconds"), "4.000");
}

TEST(PollStep, FailWhenBeatsUntil) {
  OfflineRun run;
  FakeWaiter waiter;
  run.options.waiter = &waiter;
  serve_statuses(run, {"FAILED"});
  // Both conditions hold for FAILED: the fail condition decides.
  std::string block =
      "          interval: 2s\n"
      "          timeout: 60s\n"
      "          until:\n"
      "            json: {$.result.status: {type: string}}\n"
      "          fail_when:\n"
      "            json: {$.result.status: FAILED}\n";

  SuiteResult result = run.run(poll_suite(block));

  const StepResult& step = result.tests.at(0).steps.at(0);
  EXPECT_EQ(step.outcome, Outcome::failed);
  EXPECT_EQ(run.client.count("GET", kJobUrl), 1);
  EXPECT_TRUE(waiter.sleeps.empty());
  EXPECT_EQ(detail(step, "poll"), "hit its fail condition after 1 attempt in 0.0 s");
  ASSERT_FALSE(step.assertions.empty());
  const AssertionResult& verdict = step.assertions.back();
  EXPECT_FALSE(verdict.passed);
  EXPECT_NE(verdict.actual.find("FAILED"), std::string::npos) << verdict.actual;
  // The message keeps the "not": the status was expected not to match.
  EXPECT_NE(result.tests.at(0).message.find(
                "wait for the job: poll: expected not json $.result.status eq \"FAILED\""),
            std::string::npos)
      << result.tests.at(0).message;
}

TEST(PollStep, FailConditionStopsPolling) {
  OfflineRun run;
  FakeWaiter waiter;
  run.options.waiter = &waiter;
  serve_statuses(run, {"PENDING", "RUNNING", "FAILED", "FINISHED"});

  SuiteResult result = run.run(poll_suite(kJobPoll));

  const StepResult& step = result.tests.at(0).steps.at(0);
  EXPECT_EQ(step.outcome, Outcome::failed);
  EXPECT_EQ(run.client.count("GET", kJobUrl), 3);
  EXPECT_EQ(detail(step, "poll attempts"), "3");
  // Cleanup still runs after the failed poll.
  EXPECT_EQ(run.client.count("POST", "https://tapis.test/v3/jobs/j1/cancel"), 1);
}

TEST(PollStep, NotFoundAndRefusedAreRetried) {
  OfflineRun run;
  FakeWaiter waiter;
  run.options.waiter = &waiter;
  int served = 0;
  run.client.on("GET", kJobUrl, [&served](const HttpRequest&) -> testing::FakeHttpClient::Result {
    ++served;
    if (served == 1)
      return testing::text_response(404, "not yet");
    if (served == 2)
      return std::unexpected(HttpError{HttpErrorKind::connect, "Connection refused"});
    return json_response(200, {{"result", {{"status", "FINISHED"}}}});
  });

  SuiteResult result = run.run(poll_suite(kJobPoll));

  const StepResult& step = result.tests.at(0).steps.at(0);
  EXPECT_EQ(step.outcome, Outcome::passed) << step.error;
  EXPECT_EQ(served, 3);
}

TEST(PollStep, TimeoutReportsAttemptsAndLastValue) {
  OfflineRun run;
  FakeWaiter waiter;
  run.options.waiter = &waiter;
  serve_statuses(run, {"RUNNING"});
  std::string block =
      "          interval: 1s\n"
      "          backoff: 2\n"
      "          max_interval: 4s\n"
      "          timeout: 10s\n"
      "          until:\n"
      "            json: {$.result.status: FINISHED}\n";

  SuiteResult result = run.run(poll_suite(block));

  const StepResult& step = result.tests.at(0).steps.at(0);
  EXPECT_EQ(step.outcome, Outcome::failed);
  expect_near_all(waiter.sleeps, {1, 2, 4, 3});
  EXPECT_EQ(detail(step, "poll"), "timed out after 5 attempts in 10.0 s");
  ASSERT_FALSE(step.assertions.empty());
  EXPECT_NE(step.assertions.back().actual.find("RUNNING"), std::string::npos)
      << step.assertions.back().actual;
}

TEST(PollStep, MaxAttemptsLimitsTheRequests) {
  OfflineRun run;
  FakeWaiter waiter;
  run.options.waiter = &waiter;
  serve_statuses(run, {"RUNNING"});
  std::string block =
      "          interval: 1s\n"
      "          timeout: 10m\n"
      "          max_attempts: 4\n"
      "          until:\n"
      "            json: {$.result.status: FINISHED}\n";

  SuiteResult result = run.run(poll_suite(block));

  const StepResult& step = result.tests.at(0).steps.at(0);
  EXPECT_EQ(step.outcome, Outcome::failed);
  EXPECT_EQ(run.client.count("GET", kJobUrl), 4);
  EXPECT_EQ(detail(step, "poll"), "gave up at max_attempts after 4 attempts in 3.0 s");
}

TEST(PollStep, InterruptEndsPollAndRunsCleanup) {
  OfflineRun run;
  FakeWaiter waiter;
  std::atomic<bool> interrupt{false};
  run.options.interrupt = &interrupt;
  serve_statuses(run, {"RUNNING"});
  // The signal arrives during the first wait: the flag is set and the wait ends early.
  waiter.interrupt_at_sleep = 1;
  waiter.cut_after = 0.5;
  run.client.on("POST", "https://tapis.test/v3/jobs/j1/cancel",
                json_response(200, {{"status", "success"}}));
  // Set the flag when the interrupted sleep happens, as the signal handler would.
  class SignallingWaiter : public Waiter {
   public:
    SignallingWaiter(FakeWaiter& inner, std::atomic<bool>& flag) : inner_(inner), flag_(flag) {}
    std::chrono::steady_clock::time_point now() const override { return inner_.now(); }
    bool sleep_for(double seconds) override {
      bool completed = inner_.sleep_for(seconds);
      if (!completed)
        flag_ = true;
      return completed;
    }

   private:
    FakeWaiter& inner_;
    std::atomic<bool>& flag_;
  };
  SignallingWaiter signalling(waiter, interrupt);
  run.options.waiter = &signalling;

  SuiteResult result = run.run(poll_suite(kJobPoll));

  const TestResult& test = result.tests.at(0);
  const StepResult& step = test.steps.at(0);
  EXPECT_EQ(step.outcome, Outcome::error);
  EXPECT_EQ(run.client.count("GET", kJobUrl), 1);
  EXPECT_EQ(waiter.sleeps.size(), 1u);
  EXPECT_EQ(detail(step, "poll"), "interrupted after 1 attempt in 0.5 s");
  EXPECT_EQ(run.client.count("POST", "https://tapis.test/v3/jobs/j1/cancel"), 1);
}

}  // namespace
}  // namespace probe
