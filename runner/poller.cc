#include "poller.h"

#include <fmt/format.h>

#include <algorithm>

namespace probe {

std::optional<double> PollSchedule::record(AttemptVerdict verdict, TimePoint now) {
  ++outcome_.attempts;
  outcome_.seconds = seconds_at(now);
  if (verdict == AttemptVerdict::satisfied) {
    outcome_.stop = PollStop::satisfied;
    return std::nullopt;
  }
  if (verdict == AttemptVerdict::failed) {
    outcome_.stop = PollStop::failed;
    return std::nullopt;
  }
  // The timeout is the primary limit: when the same attempt reaches both, it timed out.
  double left = policy_.timeout_seconds - outcome_.seconds;
  if (left <= 0) {
    outcome_.stop = PollStop::timed_out;
    return std::nullopt;
  }
  if (policy_.max_attempts && outcome_.attempts >= *policy_.max_attempts) {
    outcome_.stop = PollStop::attempts_exhausted;
    return std::nullopt;
  }
  double wait = std::min(next_wait_, left);
  next_wait_ *= policy_.backoff;
  if (policy_.max_interval_seconds)
    next_wait_ = std::min(next_wait_, *policy_.max_interval_seconds);
  return wait;
}

void PollSchedule::interrupt(TimePoint now) {
  outcome_.seconds = seconds_at(now);
  outcome_.stop = PollStop::interrupted;
}

PollOutcome run_poll(const PollPolicy& policy, Waiter& waiter,
                     const std::function<AttemptVerdict(int attempt)>& attempt) {
  PollSchedule schedule(policy, waiter.now());
  while (true) {
    AttemptVerdict verdict = attempt(schedule.next_attempt());
    std::optional<double> wait = schedule.record(verdict, waiter.now());
    if (!wait)
      return schedule.outcome();
    if (!waiter.sleep_for(*wait)) {
      schedule.interrupt(waiter.now());
      return schedule.outcome();
    }
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
