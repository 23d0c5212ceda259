#include "poll_loop.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace probe {
namespace {

using namespace std::chrono_literals;

// Permits counted by hand, to check what the loop takes and gives back.
class CountedPermits : public SendPermits {
 public:
  explicit CountedPermits(int count) : free_(count) {}

  bool take_or_queue(std::function<void()> granted) override {
    std::lock_guard lock(mutex_);
    if (free_ == 0 || !waiting_.empty()) {
      waiting_.push_back(std::move(granted));
      return false;
    }
    --free_;
    return true;
  }
  void give_back() override {
    std::lock_guard lock(mutex_);
    if (waiting_.empty()) {
      ++free_;
      return;
    }
    std::function<void()> granted = std::move(waiting_.front());
    waiting_.pop_front();
    granted();
  }
  int free() {
    std::lock_guard lock(mutex_);
    return free_;
  }

 private:
  std::mutex mutex_;
  int free_;
  std::deque<std::function<void()>> waiting_;
};

// A loopback server whose /jobs/ID returns RUNNING until it has had `ready_after` requests,
// then FINISHED. It counts the requests it is serving at once.
class JobServer {
 public:
  explicit JobServer(int ready_after = 3, std::chrono::milliseconds delay = 0ms)
      : ready_after_(ready_after), delay_(delay) {
    server_.new_task_queue = [] { return new httplib::ThreadPool(64); };
    server_.Get(R"(/jobs/(\w+))", [this](const httplib::Request& request, httplib::Response& out) {
      int now = ++in_flight_;
      for (int seen = peak_in_flight_.load(); now > seen;)
        peak_in_flight_.compare_exchange_weak(seen, now);
      if (delay_ > 0ms)
        std::this_thread::sleep_for(delay_);
      int count = 0;
      {
        std::lock_guard lock(mutex_);
        count = ++requests_[request.matches[1].str()];
      }
      out.set_content(count >= ready_after_ ? "FINISHED" : "RUNNING", "text/plain");
      --in_flight_;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    // bind_to_any_port() already listens, so connections queue until the thread accepts them.
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~JobServer() {
    server_.stop();
    thread_.join();
  }

  std::string url(const std::string& job) const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/jobs/" + job;
  }
  int requests(const std::string& job) {
    std::lock_guard lock(mutex_);
    return requests_[job];
  }
  int peak_in_flight() const { return peak_in_flight_; }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  const int ready_after_;
  const std::chrono::milliseconds delay_;
  std::mutex mutex_;
  std::map<std::string, int> requests_;
  std::atomic<int> in_flight_ = 0;
  std::atomic<int> peak_in_flight_ = 0;
};

// A loopback port that was free a moment ago and has no listener.
int unused_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    close(fd);
    return 0;
  }
  close(fd);
  return ntohs(address.sin_port);
}

PollPolicy quick_policy(double interval_seconds = 0.01, double timeout_seconds = 20) {
  PollPolicy policy;
  policy.interval_seconds = interval_seconds;
  policy.timeout_seconds = timeout_seconds;
  return policy;
}

// A poll of `url` that is satisfied by a FINISHED body. Records what each attempt saw.
struct JobPoll {
  explicit JobPoll(std::string target, PollPolicy policy = quick_policy())
      : url(std::move(target)) {
    poll.policy = policy;
    poll.prepare = [this](int) -> std::expected<HttpRequest, NotSent> {
      HttpRequest request;
      request.url = url;
      request.timeout_seconds = timeout_seconds;
      request.abort = abort;
      return request;
    };
    poll.judge = [this](int attempt, std::expected<HttpResponse, HttpError> result) {
      attempts.push_back(attempt);
      if (!result) {
        errors.push_back(result.error());
        return AttemptVerdict::pending;
      }
      bodies.push_back(result->body);
      return result->body == "FINISHED" ? AttemptVerdict::satisfied : AttemptVerdict::pending;
    };
  }

  std::string url;
  double timeout_seconds = 10;
  const std::atomic<bool>* abort = nullptr;  // the transfer's stop flag, CurlOptions' when null
  LoopPoll poll;
  std::vector<int> attempts;
  std::vector<std::string> bodies;
  std::vector<HttpError> errors;
};

// A run's two signal flags: the first signal interrupts, the second stops cleanup steps too.
struct Signals {
  CurlOptions options() {
    CurlOptions options;
    options.interrupt = &interrupt;
    return options;
  }

  std::atomic<bool> interrupt = false;
  std::atomic<bool> hard_stop = false;
};

// A job server, permits and a loop over them: what most tests start from.
struct LoopRig {
  explicit LoopRig(int ready_after, int permit_count = 1, std::chrono::milliseconds delay = 0ms,
                   CurlOptions options = {})
      : server(ready_after, delay), permits(permit_count), loop(options, permits) {}

  JobServer server;
  CountedPermits permits;
  PollLoop loop;
};

TEST(PollLoop, PollsUntilTheConditionHolds) {
  LoopRig rig(3, 2);
  JobPoll job(rig.server.url("a"));

  PollOutcome outcome = rig.loop.run(job.poll);

  EXPECT_EQ(outcome.stop, PollStop::satisfied);
  EXPECT_EQ(outcome.attempts, 3);
  EXPECT_EQ(job.attempts, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(job.bodies, (std::vector<std::string>{"RUNNING", "RUNNING", "FINISHED"}));
  EXPECT_EQ(rig.server.requests("a"), 3);
  EXPECT_EQ(rig.permits.free(), 2) << "every permit is given back";
}

TEST(PollLoop, StopsAtMaxAttempts) {
  LoopRig rig(100);
  PollPolicy policy = quick_policy();
  policy.max_attempts = 4;
  JobPoll job(rig.server.url("b"), policy);

  PollOutcome outcome = rig.loop.run(job.poll);

  EXPECT_EQ(outcome.stop, PollStop::attempts_exhausted);
  EXPECT_EQ(outcome.attempts, 4);
  EXPECT_EQ(rig.server.requests("b"), 4);
}

TEST(PollLoop, StopsAtTimeout) {
  LoopRig rig(1000);
  PollPolicy policy = quick_policy(0.05, 0.3);
  JobPoll job(rig.server.url("c"), policy);

  auto start = std::chrono::steady_clock::now();
  PollOutcome outcome = rig.loop.run(job.poll);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  EXPECT_EQ(outcome.stop, PollStop::timed_out);
  EXPECT_GE(outcome.attempts, 2);
  EXPECT_GE(outcome.seconds, 0.3);
  EXPECT_LT(seconds, 10) << "the wait is bounded by the timeout";
}

TEST(PollLoop, FailVerdictEndsThePoll) {
  LoopRig rig(100);
  JobPoll job(rig.server.url("d"));
  job.poll.judge = [](int attempt, std::expected<HttpResponse, HttpError>) {
    return attempt == 2 ? AttemptVerdict::failed : AttemptVerdict::pending;
  };

  PollOutcome outcome = rig.loop.run(job.poll);

  EXPECT_EQ(outcome.stop, PollStop::failed);
  EXPECT_EQ(outcome.attempts, 2);
}

TEST(PollLoop, UnsentAttemptStillCounts) {
  LoopRig rig(1);
  JobPoll job(rig.server.url("e"));
  auto build = job.poll.prepare;
  job.poll.prepare = [&build](int attempt) -> std::expected<HttpRequest, NotSent> {
    if (attempt == 1)
      return std::unexpected(NotSent{AttemptVerdict::pending});  // as a failed login
    return build(attempt);
  };

  PollOutcome outcome = rig.loop.run(job.poll);

  EXPECT_EQ(outcome.stop, PollStop::satisfied);
  EXPECT_EQ(outcome.attempts, 2);
  EXPECT_EQ(job.attempts, (std::vector<int>{2})) << "only sent attempts are judged";
  EXPECT_EQ(rig.server.requests("e"), 1);
  EXPECT_EQ(rig.permits.free(), 1);
}

TEST(PollLoop, SlowWorkRunsOnTheTestThread) {
  // Poll A needs slow work (as a token to mint) before its first attempt. It runs on A's own
  // thread, and poll B goes on meanwhile.
  LoopRig rig(1000, 2);
  JobPoll slow(rig.server.url("s"), quick_policy(0.01, 20));
  slow.poll.policy.max_attempts = 1;
  std::promise<void> slow_work_started;
  std::promise<void> other_poll_done;
  std::atomic<bool> slow_work_done = false;
  std::thread::id slow_work_thread;
  auto build = slow.poll.prepare;
  slow.poll.prepare = [&](int attempt) -> std::expected<HttpRequest, NotSent> {
    if (!slow_work_done)
      return std::unexpected(NotSent{});
    return build(attempt);
  };
  slow.poll.slow_work = [&] {
    slow_work_thread = std::this_thread::get_id();
    slow_work_started.set_value();
    other_poll_done.get_future().wait_for(20s);
    slow_work_done = true;
  };
  JobPoll other(rig.server.url("o"), quick_policy(0.01, 20));
  other.poll.policy.max_attempts = 5;

  std::thread::id slow_thread;
  auto slow_outcome = std::async(std::launch::async, [&] {
    slow_thread = std::this_thread::get_id();
    return rig.loop.run(slow.poll);
  });
  ASSERT_EQ(slow_work_started.get_future().wait_for(20s), std::future_status::ready);
  PollOutcome other_outcome = rig.loop.run(other.poll);
  other_poll_done.set_value();

  EXPECT_EQ(other_outcome.attempts, 5) << "the other poll ran while the slow work waited";
  ASSERT_EQ(slow_outcome.wait_for(20s), std::future_status::ready);
  EXPECT_EQ(slow_outcome.get().attempts, 1);
  EXPECT_EQ(slow_work_thread, slow_thread);
  EXPECT_EQ(rig.server.requests("s"), 1);
  EXPECT_EQ(rig.permits.free(), 2);
}

TEST(PollLoop, TransferErrorsReachTheJudge) {
  CountedPermits permits(1);
  PollLoop loop(CurlOptions{}, permits);
  const int port = unused_port();
  PollPolicy policy = quick_policy();
  policy.max_attempts = 2;
  JobPoll job("http://127.0.0.1:" + std::to_string(port) + "/jobs/f", policy);

  PollOutcome outcome = loop.run(job.poll);

  EXPECT_EQ(outcome.stop, PollStop::attempts_exhausted);
  ASSERT_EQ(job.errors.size(), 2u);
  EXPECT_EQ(job.errors[0].kind, HttpErrorKind::connect);
}

TEST(PollLoop, RequestTimeoutEndsASlowAttempt) {
  LoopRig rig(1, 1, 800ms);
  PollPolicy policy = quick_policy();
  policy.max_attempts = 1;
  JobPoll job(rig.server.url("g"), policy);
  job.timeout_seconds = 0.2;

  PollOutcome outcome = rig.loop.run(job.poll);

  EXPECT_EQ(outcome.stop, PollStop::attempts_exhausted);
  ASSERT_EQ(job.errors.size(), 1u);
  EXPECT_EQ(job.errors[0].kind, HttpErrorKind::timeout);
  EXPECT_EQ(rig.permits.free(), 1);
}

TEST(PollLoop, DeadlineEndsAWaitAsAnInterruption) {
  LoopRig rig(1000);
  PollPolicy policy = quick_policy(30, 60);
  JobPoll job(rig.server.url("h"), policy);
  const auto deadline = std::chrono::steady_clock::now() + 200ms;
  job.poll.deadline = [deadline] { return std::optional(deadline); };

  PollOutcome outcome = rig.loop.run(job.poll);

  EXPECT_EQ(outcome.stop, PollStop::interrupted);
  EXPECT_EQ(outcome.attempts, 1);
  EXPECT_GE(outcome.seconds, 0.15);
  EXPECT_LT(outcome.seconds, 5);
}

TEST(PollLoop, InterruptionEndsWaitingPollsAndSendsNoMore) {
  std::atomic<bool> interrupt = false;
  CurlOptions options;
  options.interrupt = &interrupt;
  LoopRig rig(1000, 1, 0ms, options);
  PollPolicy policy = quick_policy(0.05);
  JobPoll job(rig.server.url("i"), policy);
  job.poll.stop = &interrupt;
  auto judge = job.poll.judge;
  job.poll.judge = [&](int attempt, std::expected<HttpResponse, HttpError> result) {
    if (attempt == 2)
      interrupt = true;  // as SIGINT would, between attempts
    return judge(attempt, std::move(result));
  };

  PollOutcome outcome = rig.loop.run(job.poll);

  EXPECT_EQ(outcome.stop, PollStop::interrupted);
  EXPECT_EQ(outcome.attempts, 2);
  EXPECT_EQ(rig.server.requests("i"), 2);

  // A poll that starts after the interruption judges its first attempt as interrupted unsent.
  JobPoll late(rig.server.url("j"), policy);
  late.poll.stop = &interrupt;
  EXPECT_EQ(rig.loop.run(late.poll).stop, PollStop::interrupted);
  ASSERT_EQ(late.errors.size(), 1u);
  EXPECT_EQ(late.errors[0].kind, HttpErrorKind::interrupted);
  EXPECT_EQ(rig.server.requests("j"), 0);
  EXPECT_EQ(rig.permits.free(), 1);
}

TEST(PollLoop, CleanupPollOutlastsTheFirstSignal) {
  // A cleanup step's poll stops at the second signal, not the first.
  Signals signals;
  LoopRig rig(1000, 1, 0ms, signals.options());
  JobPoll job(rig.server.url("k"), quick_policy(0.02));
  job.poll.stop = &signals.hard_stop;
  job.abort = &signals.hard_stop;
  auto judge = job.poll.judge;
  job.poll.judge = [&](int attempt, std::expected<HttpResponse, HttpError> result) {
    if (attempt == 2)
      signals.interrupt = true;
    if (attempt == 4)
      signals.hard_stop = true;
    return judge(attempt, std::move(result));
  };

  PollOutcome outcome = rig.loop.run(job.poll);

  EXPECT_EQ(outcome.stop, PollStop::interrupted);
  EXPECT_EQ(outcome.attempts, 4);
  EXPECT_EQ(rig.server.requests("k"), 4);
}

TEST(PollLoop, GracePeriodCutsAWaitingCleanupPoll) {
  // A cleanup poll waits 30 s between attempts when the first signal arrives and sets its grace
  // period: the wait ends at the grace period's end.
  Signals signals;
  LoopRig rig(1000, 2, 0ms, signals.options());
  std::mutex grace_mutex;
  std::optional<std::chrono::steady_clock::time_point> grace_end;
  JobPoll waiting(rig.server.url("w"), quick_policy(30, 60));
  waiting.poll.stop = &signals.hard_stop;
  waiting.poll.deadline = [&] {
    std::lock_guard lock(grace_mutex);
    return grace_end;
  };

  auto outcome = std::async(std::launch::async, [&] { return rig.loop.run(waiting.poll); });
  auto give_up = std::chrono::steady_clock::now() + 20s;
  while (rig.server.requests("w") == 0 && std::chrono::steady_clock::now() < give_up)
    std::this_thread::sleep_for(5ms);
  {
    std::lock_guard lock(grace_mutex);
    grace_end = std::chrono::steady_clock::now() + 200ms;
  }
  signals.interrupt = true;
  // Unit tests have no interruption pipe, so another poll wakes the loop to see the signal.
  JobPoll nudge(rig.server.url("n"), quick_policy());
  nudge.poll.policy.max_attempts = 1;
  rig.loop.run(nudge.poll);

  ASSERT_EQ(outcome.wait_for(20s), std::future_status::ready);
  PollOutcome cut = outcome.get();
  EXPECT_EQ(cut.stop, PollStop::interrupted);
  EXPECT_EQ(cut.attempts, 1);
  EXPECT_LT(cut.seconds, 5);
}

TEST(PollLoop, ManyPollsKeepToThePermits) {
  LoopRig rig(3, 3, 5ms);
  constexpr int kPolls = 40;
  std::vector<std::unique_ptr<JobPoll>> jobs;
  for (int i = 0; i < kPolls; ++i)
    jobs.push_back(std::make_unique<JobPoll>(rig.server.url("m" + std::to_string(i))));

  std::vector<std::future<PollOutcome>> outcomes;
  for (auto& job : jobs)
    outcomes.push_back(std::async(std::launch::async, [&] { return rig.loop.run(job->poll); }));
  for (auto& outcome : outcomes) {
    ASSERT_EQ(outcome.wait_for(20s), std::future_status::ready);
    PollOutcome done = outcome.get();
    EXPECT_EQ(done.stop, PollStop::satisfied);
    EXPECT_EQ(done.attempts, 3);
  }

  EXPECT_LE(rig.server.peak_in_flight(), 3);
  EXPECT_GE(rig.server.peak_in_flight(), 2) << "attempts of different polls overlap";
  EXPECT_EQ(rig.permits.free(), 3);
}

TEST(PollLoop, WaitsForAPermitHeldElsewhere) {
  LoopRig rig(1);
  // As a test thread sending on its own.
  ASSERT_TRUE(rig.permits.take_or_queue([] { FAIL() << "a free permit is taken at once"; }));
  JobPoll job(rig.server.url("p"));

  auto outcome = std::async(std::launch::async, [&] { return rig.loop.run(job.poll); });
  EXPECT_EQ(outcome.wait_for(200ms), std::future_status::timeout);
  EXPECT_EQ(rig.server.requests("p"), 0);

  rig.permits.give_back();
  ASSERT_EQ(outcome.wait_for(20s), std::future_status::ready);
  EXPECT_EQ(outcome.get().stop, PollStop::satisfied);
  EXPECT_EQ(rig.permits.free(), 1);
}

}  // namespace
}  // namespace probe
