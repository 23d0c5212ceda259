// Polls of many tests driven from one thread, so that a thousand tests waiting for their jobs
// cost one thread's wake-ups instead of a thousand.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <expected>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "http_client.h"
#include "poller.h"

namespace probe {

// The right to have one request in flight. The loop takes one per attempt it sends, and each
// test thread of a TaskPool owns one with its client, so together they keep to --jobs.
class SendPermits {
 public:
  virtual ~SendPermits() = default;
  // Takes a free permit at once and returns true, unless none is free or others wait for one:
  // then queues the request and returns false, in the same step, so a permit freed meanwhile
  // cannot slip by. `granted` runs once for a queued request, on whichever thread frees a
  // permit and under that pool's lock, so it must only record the grant and return.
  virtual bool take_or_queue(std::function<void()> granted) = 0;
  virtual void give_back() = 0;
};

// The reason LoopPoll::prepare sends nothing for an attempt.
struct NotSent {
  // The attempt's verdict when it ended before sending (a failed login, the run's time limit);
  // empty when the attempt waits for LoopPoll::slow_work.
  std::optional<AttemptVerdict> verdict;
};

// A test's request to the loop: when to send, what to send and how to judge each answer. The
// functions run on the loop's thread while the test's thread waits in PollLoop::run.
struct LoopPoll {
  PollPolicy policy;
  // Set when the poll must stop: at SIGINT or SIGTERM for an ordinary step, at the second signal
  // for a cleanup step. Null for a poll that nothing stops.
  const std::atomic<bool>* stop = nullptr;
  // The time limit of the poll's waits: the run's --max-time, or a cleanup step's grace period,
  // which starts at the first signal, so it is asked again after one. A wait that would pass it
  // ends the poll there as interrupted. Unset for no limit.
  std::function<std::optional<std::chrono::steady_clock::time_point>()> deadline;
  // Builds the request of attempt n without blocking. Otherwise returns why nothing is sent: the
  // attempt's verdict when it ended unsent, or none when `slow_work` must run first.
  std::function<std::expected<HttpRequest, NotSent>(int attempt)> prepare;
  // Does on the test's thread what would block the loop, such as minting a token; the loop
  // then prepares the attempt again.
  std::function<void()> slow_work;
  std::function<AttemptVerdict(int attempt, std::expected<HttpResponse, HttpError> result)> judge;
};

// One thread that keeps every poll's timer and sends the due attempts through libcurl's multi
// interface, over connections it keeps open across attempts and polls. A test's thread blocks
// in run() for the whole poll and wakes once, when the poll ends.
class PollLoop {
 public:
  // `permits` must outlive the loop. The loop's thread starts here.
  PollLoop(const CurlOptions& options, SendPermits& permits);
  ~PollLoop();
  PollLoop(const PollLoop&) = delete;
  PollLoop& operator=(const PollLoop&) = delete;

  // Runs `poll` to its end and returns how it ended. Safe to call from many threads at once.
  PollOutcome run(const LoopPoll& poll);

 private:
  struct Active;
  class Engine;

  std::unique_ptr<Engine> engine_;
  std::thread thread_;
};

}  // namespace probe
