#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace probe::sim {

// A one-way flag that wakes every waiting thread when the server shuts down, so long fault
// delays do not hold the worker threads that cpp-httplib joins on stop().
class StopSignal {
 public:
  void request() {
    {
      std::lock_guard lock(mutex_);
      requested_ = true;
    }
    changed_.notify_all();
  }

  // Sleeps for `duration` unless a stop is requested first. Returns true when stopping.
  bool wait_for(std::chrono::milliseconds duration) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, duration, [this] { return requested_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool requested_ = false;
};

}  // namespace probe::sim
