#include "poll_loop.h"

#include <curl/curl.h>

#include <algorithm>
#include <deque>
#include <utility>

#include "curl_transfer.h"
#include "waiter.h"

namespace probe {

namespace {

using Clock = std::chrono::steady_clock;

// The maximum sleep of an idle loop. A new poll or a signal wakes it sooner.
constexpr int kIdleWaitMs = 60'000;

// After a signal the interruption pipe stays readable, so the loop checks the polls' stop flags
// this often instead, for the second signal that ends cleanup polls.
constexpr int kSignalledWaitMs = 50;

Clock::duration to_duration(double seconds) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

}  // namespace

struct PollLoop::Active {
  explicit Active(const LoopPoll& asked) : poll(asked), schedule(asked.policy, Clock::now()) {}

  const LoopPoll& poll;
  PollSchedule schedule;
  HttpRequest request;  // of the attempt in flight
  std::condition_variable finished;
  bool done = false;       // guarded by Inbox::mutex
  bool slow_turn = false;  // guarded by Inbox::mutex: the test's thread runs slow_work
};

class PollLoop::Engine {
 private:
  // The mailbox of the loop's thread, for test threads and the permit pool. Shared, so that a
  // permit granted after the loop has stopped finds it gone instead of touching freed memory.
  struct Inbox {
    std::mutex mutex;
    CURLM* multi = nullptr;  // null once the loop has stopped
    std::vector<Active*> polls;
    int granted = 0;
    bool stopping = false;

    void wake() {
      if (multi != nullptr)
        curl_multi_wakeup(multi);
    }
  };

 public:
  Engine(const CurlOptions& options, SendPermits& permits)
      : options_(options), permits_(permits), inbox_(std::make_shared<Inbox>()) {
    multi_ = curl_multi_init();
    inbox_->multi = multi_;
  }

  ~Engine() {
    for (auto& slot : slots_) {
      if (slot->active != nullptr)
        curl_multi_remove_handle(multi_, slot->transfer.handle());
    }
    slots_.clear();
    curl_multi_cleanup(multi_);
  }

  PollOutcome run(const LoopPoll& poll) {
    Active active(poll);
    std::unique_lock lock(inbox_->mutex);
    for (;;) {
      inbox_->polls.push_back(&active);
      inbox_->wake();
      active.finished.wait(lock, [&active] { return active.done || active.slow_turn; });
      if (active.done)
        return active.schedule.outcome();
      active.slow_turn = false;
      lock.unlock();
      poll.slow_work();
      lock.lock();
    }
  }

  void stop() {
    std::lock_guard lock(inbox_->mutex);
    inbox_->stopping = true;
    inbox_->wake();
  }

  void main() {
    for (;;) {
      if (!take_inbox())
        break;
      if (!signalled_ && options_.interrupt != nullptr && options_.interrupt->load())
        signalled_ = true;
      if (signalled_)
        sweep();
      fire_timers();
      send_ready();
      wait_for_events();
      collect_finished();
    }
    std::lock_guard lock(inbox_->mutex);
    inbox_->multi = nullptr;
  }

 private:
  struct Timer {
    Clock::time_point due;
    Active* active;
    bool ends_poll;  // a stop or a time limit: the poll ends here instead of sending again

    bool operator>(const Timer& other) const { return due > other.due; }
  };

  // A transfer and the poll whose attempt it carries, or none while idle.
  struct Slot {
    explicit Slot(const CurlOptions& options) : transfer(options) {}
    CurlTransfer transfer;
    Active* active = nullptr;
  };

  // Moves new polls and granted permits in. False once the loop should end: stopping with no
  // poll left.
  bool take_inbox() {
    std::vector<Active*> polls;
    {
      std::lock_guard lock(inbox_->mutex);
      polls.swap(inbox_->polls);
      if (inbox_->granted > 0) {
        held_ += std::exchange(inbox_->granted, 0);
        permit_requested_ = false;
      }
      if (inbox_->stopping && polls.empty() && live_ == 0)
        return false;
    }
    live_ += polls.size();
    ready_.insert(ready_.end(), polls.begin(), polls.end());
    return true;
  }

  void fire_timers() {
    const Clock::time_point now = Clock::now();
    while (!timers_.empty() && timers_.front().due <= now) {
      std::pop_heap(timers_.begin(), timers_.end(), std::greater<>());
      Timer timer = timers_.back();
      timers_.pop_back();
      if (timer.ends_poll) {
        timer.active->schedule.interrupt(now);
        finish(*timer.active);
      } else {
        ready_.push_back(timer.active);
      }
    }
  }

  // Gets a permit for one more request, at once or by a queued request.
  bool acquire() {
    if (held_ > 0) {
      --held_;
      return true;
    }
    if (permit_requested_)
      return false;
    std::weak_ptr<Inbox> weak = inbox_;
    if (permits_.take_or_queue([weak] {
          if (auto inbox = weak.lock()) {
            std::lock_guard lock(inbox->mutex);
            ++inbox->granted;
            inbox->wake();
          }
        }))
      return true;
    permit_requested_ = true;
    return false;
  }

  void send_ready() {
    while (!ready_.empty() && acquire()) {
      Active* active = ready_.front();
      ready_.pop_front();
      start_attempt(*active);
    }
    // Permits granted after the polls that needed them ended go back.
    if (ready_.empty()) {
      for (; held_ > 0; --held_)
        permits_.give_back();
    }
  }

  void start_attempt(Active& active) {
    const int attempt = active.schedule.next_attempt();
    auto prepared = active.poll.prepare(attempt);
    if (!prepared) {
      permits_.give_back();
      if (prepared.error().verdict)
        after_verdict(active, *prepared.error().verdict);
      else
        hand_to_test_thread(active);
      return;
    }
    active.request = std::move(*prepared);
    if (stopped(active)) {
      permits_.give_back();
      attempt_done(active, std::unexpected(HttpError{HttpErrorKind::interrupted, "interrupted"}));
      return;
    }
    Slot& slot = idle_slot();
    if (auto error = slot.transfer.begin(active.request)) {
      permits_.give_back();
      attempt_done(active, std::unexpected(std::move(*error)));
      return;
    }
    slot.active = &active;
    curl_easy_setopt(slot.transfer.handle(), CURLOPT_PRIVATE, &slot);
    curl_multi_add_handle(multi_, slot.transfer.handle());
  }

  Slot& idle_slot() {
    for (auto& slot : slots_) {
      if (slot->active == nullptr)
        return *slot;
    }
    slots_.push_back(std::make_unique<Slot>(options_));
    return *slots_.back();
  }

  void wait_for_events() {
    int timeout = kIdleWaitMs;
    const Clock::time_point now = Clock::now();
    if (signalled_)
      timeout = kSignalledWaitMs;
    if (!timers_.empty()) {
      auto until = std::chrono::ceil<std::chrono::milliseconds>(timers_.front().due - now).count();
      timeout = static_cast<int>(std::clamp<long long>(until, 0, timeout));
    }
    long curl_timeout = -1;
    curl_multi_timeout(multi_, &curl_timeout);
    if (curl_timeout >= 0)
      timeout = std::min(timeout, static_cast<int>(curl_timeout));
    curl_waitfd signal_fd = {interrupt_fd(), CURL_WAIT_POLLIN, 0};
    const bool watch_signal = !signalled_ && signal_fd.fd >= 0;
    curl_multi_poll(multi_, watch_signal ? &signal_fd : nullptr, watch_signal ? 1 : 0, timeout,
                    nullptr);
    if (watch_signal && (signal_fd.revents & CURL_WAIT_POLLIN) != 0)
      signalled_ = true;
  }

  void collect_finished() {
    int running = 0;
    curl_multi_perform(multi_, &running);
    int queued = 0;
    while (CURLMsg* message = curl_multi_info_read(multi_, &queued)) {
      if (message->msg != CURLMSG_DONE)
        continue;
      const CURLcode code = message->data.result;
      void* private_data = nullptr;
      curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &private_data);
      auto* slot = static_cast<Slot*>(private_data);
      curl_multi_remove_handle(multi_, message->easy_handle);
      permits_.give_back();
      Active& active = *std::exchange(slot->active, nullptr);
      attempt_done(active, slot->transfer.end(code));
    }
  }

  // After a signal: ends the polls whose stop flag is set, those waiting and those with an
  // attempt in flight, and moves waits up to a time limit that the signal brought closer.
  void sweep() {
    for (auto& slot : slots_) {
      if (slot->active == nullptr || !stopped(*slot->active))
        continue;
      curl_multi_remove_handle(multi_, slot->transfer.handle());
      permits_.give_back();
      Active& active = *std::exchange(slot->active, nullptr);
      slot->transfer.end(CURLE_ABORTED_BY_CALLBACK);
      attempt_done(active, std::unexpected(HttpError{HttpErrorKind::interrupted, "interrupted"}));
    }

    const Clock::time_point now = Clock::now();
    for (Timer& timer : timers_) {
      const auto deadline = deadline_of(*timer.active);
      if (stopped(*timer.active))
        timer = {now, timer.active, true};
      else if (deadline && *deadline < timer.due)
        timer = {std::max(*deadline, now), timer.active, true};
    }
    std::make_heap(timers_.begin(), timers_.end(), std::greater<>());

    // A due attempt of a stopped poll is judged as interrupted, as if sent, without a permit.
    std::vector<Active*> due_stopped;
    std::erase_if(ready_, [&](Active* active) {
      if (!stopped(*active))
        return false;
      due_stopped.push_back(active);
      return true;
    });
    for (Active* active : due_stopped)
      attempt_done(*active, std::unexpected(HttpError{HttpErrorKind::interrupted, "interrupted"}));
  }

  bool stopped(const Active& active) const {
    return active.poll.stop != nullptr && active.poll.stop->load();
  }

  std::optional<Clock::time_point> deadline_of(const Active& active) const {
    if (!active.poll.deadline)
      return std::nullopt;
    return active.poll.deadline();
  }

  void push_timer(Timer timer) {
    timers_.push_back(timer);
    std::push_heap(timers_.begin(), timers_.end(), std::greater<>());
  }

  void attempt_done(Active& active, std::expected<HttpResponse, HttpError> result) {
    after_verdict(active, active.poll.judge(active.schedule.next_attempt(), std::move(result)));
  }

  void after_verdict(Active& active, AttemptVerdict verdict) {
    const Clock::time_point now = Clock::now();
    std::optional<double> wait = active.schedule.record(verdict, now);
    if (!wait) {
      finish(active);
      return;
    }
    if (stopped(active)) {
      active.schedule.interrupt(now);
      finish(active);
      return;
    }
    const Clock::time_point due = now + to_duration(*wait);
    const auto deadline = deadline_of(active);
    if (deadline && *deadline <= due)
      push_timer({std::max(*deadline, now), &active, true});
    else
      push_timer({due, &active, false});
  }

  // Lets the poll's own thread do work that would block the loop. The poll comes back through
  // the inbox as if new, with its schedule kept.
  void hand_to_test_thread(Active& active) {
    --live_;
    std::lock_guard lock(inbox_->mutex);
    active.slow_turn = true;
    active.finished.notify_one();
  }

  void finish(Active& active) {
    --live_;
    std::lock_guard lock(inbox_->mutex);
    active.done = true;
    // Under the mutex: once it is released, run() may return and `active` is gone.
    active.finished.notify_one();
  }

  const CurlOptions options_;
  SendPermits& permits_;
  std::shared_ptr<Inbox> inbox_;
  CURLM* multi_ = nullptr;

  // Owned by the loop's thread.
  std::vector<Timer> timers_;  // a heap, earliest first
  std::deque<Active*> ready_;  // due, waiting for a permit
  std::vector<std::unique_ptr<Slot>> slots_;
  size_t live_ = 0;  // polls taken in and not finished
  int held_ = 0;     // permits granted and not yet used
  bool permit_requested_ = false;
  bool signalled_ = false;  // a signal arrived: stop flags are checked on every turn
};

PollLoop::PollLoop(const CurlOptions& options, SendPermits& permits)
    : engine_(std::make_unique<Engine>(options, permits)),
      thread_([engine = engine_.get()] { engine->main(); }) {}

PollLoop::~PollLoop() {
  engine_->stop();
  thread_.join();
}

PollOutcome PollLoop::run(const LoopPoll& poll) {
  return engine_->run(poll);
}

}  // namespace probe
