// Time and waiting, behind an interface so polls can be tested with a fake clock.
#pragma once

#include <chrono>

namespace probe {

class Waiter {
 public:
  virtual ~Waiter() = default;
  virtual std::chrono::steady_clock::time_point now() const = 0;
  // Blocks for `seconds` without using CPU. Returns false when the wait was cut short by an
  // interruption (SIGINT or SIGTERM), true when the time passed.
  virtual bool sleep_for(double seconds) = 0;
};

// The real clock. Waits in poll(2) on the read end of a pipe that the signal handler writes to,
// so a signal ends every wait at once, and later waits return at once too.
class SystemWaiter : public Waiter {
 public:
  std::chrono::steady_clock::time_point now() const override;
  bool sleep_for(double seconds) override;
};

// Creates the interruption pipe. Call once from main before signal handlers are installed.
void init_interrupt_pipe();

// The read end of the interruption pipe, readable once a signal arrived; -1 before
// init_interrupt_pipe().
int interrupt_fd();

// Marks the process as interrupted and wakes every SystemWaiter. Async-signal-safe.
void notify_interrupt();

}  // namespace probe
