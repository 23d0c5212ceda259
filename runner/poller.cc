#include "poller.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace probe {

PollOutcome run_poll(const PollPolicy& policy, Waiter& waiter,
                     const std::function<AttemptVerdict(int attempt)>& attempt) {
  auto start = waiter.now();
  auto elapsed = [&] { return std::chrono::duration<double>(waiter.now() - start).count(); };
  PollOutcome outcome;
  double wait = policy.interval_seconds;

  while (true) {
    ++outcome.attempts;
    AttemptVerdict verdict = attempt(outcome.attempts);
    outcome.seconds = elapsed();
    if (verdict == AttemptVerdict::satisfied) {
      outcome.stop = PollStop::satisfied;
      return outcome;
    }
    if (verdict == AttemptVerdict::failed) {
      outcome.stop = PollStop::failed;
      return outcome;
    }
    // The timeout is the primary limit: when the same attempt reaches both, it timed out.
    double left = policy.timeout_seconds - outcome.seconds;
    if (left <= 0) {
      outcome.stop = PollStop::timed_out;
      return outcome;
    }
    if (policy.max_attempts && outcome.attempts >= *policy.max_attempts) {
      outcome.stop = PollStop::attempts_exhausted;
      return outcome;
    }

    if (!waiter.sleep_for(std::min(wait, left))) {
      outcome.seconds = elapsed();
      outcome.stop = PollStop::interrupted;
      return outcome;
    }
    wait *= policy.backoff;
    if (policy.max_interval_seconds)
      wait = std::min(wait, *policy.max_interval_seconds);
  }
}

std::string describe(const PollOutcome& outcome) {
  std::string attempts = fmt::format("{} attempt{} in {:.1f} s", outcome.attempts,
                                     outcome.attempts == 1 ? "" : "s", outcome.seconds);
  switch (outcome.stop) {
    case PollStop::satisfied:
      return "condition met after " + attempts;
    case PollStop::failed:
      return "hit its fail condition after " + attempts;
    case PollStop::timed_out:
      return "timed out after " + attempts;
    case PollStop::attempts_exhausted:
      return "gave up at max_attempts after " + attempts;
    case PollStop::interrupted:
      return "interrupted after " + attempts;
  }
  return attempts;
}

}  // namespace probe
