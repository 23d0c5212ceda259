// Polling: repeating a request until a condition holds, a failure condition holds, or time runs
// out.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "waiter.h"

namespace probe {

struct PollPolicy {
  double interval_seconds = 2;  // wait after the first attempt
  double backoff = 1;           // each wait is the previous one times this factor
  std::optional<double> max_interval_seconds;
  double timeout_seconds = 60;  // wall-clock bound for the whole poll, first attempt included
  std::optional<long long> max_attempts;  // requests sent, the first one included
};

// The verdict of one attempt.
enum class AttemptVerdict {
  pending,    // neither condition holds yet (or the request failed): try again
  satisfied,  // every `until` assertion holds
  failed,     // every `fail_when` assertion holds
};

enum class PollStop { satisfied, failed, timed_out, attempts_exhausted, interrupted };

struct PollOutcome {
  PollStop stop = PollStop::timed_out;
  int attempts = 0;
  double seconds = 0;
};

// The timing rules of one poll, apart from how attempts are sent and how waits pass: run_poll
// drives it on the calling thread, PollLoop on its own thread for many polls at once.
class PollSchedule {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  PollSchedule(const PollPolicy& policy, TimePoint start) : policy_(policy), start_(start) {
    next_wait_ = policy.interval_seconds;
  }

  // The 1-based number of the attempt to send next.
  int next_attempt() const { return outcome_.attempts + 1; }
  // Records the verdict of the attempt just made. Returns the seconds to wait before the next
  // one, or nothing when the poll is over. outcome() then gives the reason.
  std::optional<double> record(AttemptVerdict verdict, TimePoint now);
  // Ends the poll during a wait.
  void interrupt(TimePoint now);
  const PollOutcome& outcome() const { return outcome_; }

 private:
  double seconds_at(TimePoint now) const {
    return std::chrono::duration<double>(now - start_).count();
  }

  PollPolicy policy_;
  TimePoint start_;
  double next_wait_;
  PollOutcome outcome_;
};

// Calls `attempt` (with the 1-based attempt number) until it returns a final verdict, the
// timeout or max_attempts is reached, or a wait is interrupted. The wait before attempt n+1 is
// interval * backoff^(n-1), capped by max_interval and by the time left, so the last attempt
// falls on the deadline rather than after it.
PollOutcome run_poll(const PollPolicy& policy, Waiter& waiter,
                     const std::function<AttemptVerdict(int attempt)>& attempt);

// "timed out after 12 attempts in 60.0 s", "hit its fail condition after 3 attempts in 4.1 s", ...
std::string describe(const PollOutcome& outcome);

}  // namespace probe
