#include "task_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace probe {
namespace {

class NullClient : public HttpClient {
 public:
  std::expected<HttpResponse, HttpError> send(const HttpRequest&) override {
    return HttpResponse{};
  }
};

std::vector<std::unique_ptr<HttpClient>> clients(size_t count) {
  std::vector<std::unique_ptr<HttpClient>> list;
  for (size_t i = 0; i < count; ++i)
    list.push_back(std::make_unique<NullClient>());
  return list;
}

// Bounds every wait on another thread, so a scheduling bug fails the test instead of hanging it.
constexpr auto kLongEnough = std::chrono::seconds(20);

class EventLog {
 public:
  void add(std::string event) {
    std::lock_guard lock(mutex_);
    events_.push_back(std::move(event));
  }
  std::vector<std::string> events() {
    std::lock_guard lock(mutex_);
    return events_;
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> events_;
};

TEST(TaskPool, RunsEveryTaskOnce) {
  std::vector<std::atomic<int>> runs(100);
  TaskPool pool(clients(3), runs.size(), [&](size_t index, ClientLease&) { ++runs[index]; });
  pool.run();
  for (size_t i = 0; i < runs.size(); ++i)
    EXPECT_EQ(runs[i].load(), 1) << "task " << i;
}

TEST(TaskPool, NoTasksReturnsAtOnce) {
  TaskPool pool(clients(2), 0, [](size_t, ClientLease&) { ADD_FAILURE() << "no task to run"; });
  pool.run();
  EXPECT_EQ(pool.peak_threads(), 0u);
}

TEST(TaskPool, ClientsBoundBusyTasks) {
  std::atomic<int> busy{0};
  std::atomic<int> peak{0};
  std::mutex seen_mutex;
  std::set<HttpClient*> seen;
  TaskPool pool(clients(2), 40, [&](size_t, ClientLease& lease) {
    int now = ++busy;
    int previous = peak.load();
    while (now > previous && !peak.compare_exchange_weak(previous, now)) {
    }
    {
      std::lock_guard lock(seen_mutex);
      seen.insert(&lease.client());
    }
    std::this_thread::yield();
    --busy;
  });
  pool.run();
  EXPECT_LE(peak.load(), 2);
  EXPECT_LE(seen.size(), 2u);
  EXPECT_LE(pool.peak_threads(), 2u);
}

TEST(TaskPool, WaitingTaskLetsNextStart) {
  // One client: task 0 can only finish after task 1 ran, which needs task 0's client.
  std::promise<void> second_ran;
  std::shared_future<void> second_done = second_ran.get_future().share();
  std::atomic<bool> waited_in_time{false};
  TaskPool pool(clients(1), 2, [&](size_t index, ClientLease& lease) {
    if (index == 0) {
      lease.release();
      waited_in_time = second_done.wait_for(kLongEnough) == std::future_status::ready;
      lease.reacquire();
    } else {
      second_ran.set_value();
    }
  });
  pool.run();
  EXPECT_TRUE(waited_in_time.load());
  EXPECT_EQ(pool.peak_threads(), 2u);
}

TEST(TaskPool, ResumingTaskGoesFirst) {
  // One client, three tasks. Task 0 waits, so task 1 starts; task 0 asks for the client back
  // while task 1 still holds it. When task 1 ends, task 0 must resume before task 2 starts.
  EventLog log;
  std::promise<void> second_started;
  std::shared_future<void> second_starts = second_started.get_future().share();
  std::atomic<bool> in_time{true};
  TaskPool* running = nullptr;
  TaskPool pool(clients(1), 3, [&](size_t index, ClientLease& lease) {
    log.add("start " + std::to_string(index));
    if (index == 0) {
      lease.release();
      in_time = in_time && second_starts.wait_for(kLongEnough) == std::future_status::ready;
      lease.reacquire();
      log.add("resume 0");
    } else if (index == 1) {
      second_started.set_value();
      // This task ends only once task 0 is blocked in reacquire().
      auto give_up = std::chrono::steady_clock::now() + kLongEnough;
      while (running->resuming() == 0 && std::chrono::steady_clock::now() < give_up)
        std::this_thread::yield();
      in_time = in_time && running->resuming() == 1;
    }
  });
  running = &pool;
  pool.run();
  ASSERT_TRUE(in_time.load());
  std::vector<std::string> events = log.events();
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0], "start 0");
  EXPECT_EQ(events[1], "start 1");
  EXPECT_EQ(events[2], "resume 0");
  EXPECT_EQ(events[3], "start 2");
}

TEST(TaskPool, ResumingTasksGetTheClientInTurn) {
  // One client, four tasks. Tasks 0-2 each give the client away, which starts the next task.
  // Task 3 keeps it until all three request it back, one after the other. The client must then
  // go to them in the order of their requests, one hand-over each.
  EventLog log;
  std::promise<void> last_started;
  std::shared_future<void> last_starts = last_started.get_future().share();
  std::atomic<bool> in_time{true};
  TaskPool* running = nullptr;
  auto wait_for_resuming = [&](size_t count) {
    auto give_up = std::chrono::steady_clock::now() + kLongEnough;
    while (running->resuming() != count && std::chrono::steady_clock::now() < give_up)
      std::this_thread::yield();
    in_time = in_time && running->resuming() == count;
  };
  TaskPool pool(clients(1), 4, [&](size_t index, ClientLease& lease) {
    if (index == 3) {
      last_started.set_value();
      wait_for_resuming(3);
      return;
    }
    lease.release();
    in_time = in_time && last_starts.wait_for(kLongEnough) == std::future_status::ready;
    wait_for_resuming(index);
    lease.reacquire();
    log.add("resume " + std::to_string(index));
  });
  running = &pool;
  pool.run();
  ASSERT_TRUE(in_time.load());
  EXPECT_EQ(log.events(), (std::vector<std::string>{"resume 0", "resume 1", "resume 2"}));
  EXPECT_EQ(pool.peak_threads(), 4u);
}

TEST(TaskPool, PermitIsQueuedWhileClientsAreHeld) {
  // One client, held by the task. A permit request waits in the queue, gets the client when the
  // task releases it, and the task resumes only once the permit is given back.
  EventLog log;
  std::atomic<bool> taken_at_once{true};
  std::atomic<bool> resumed_early{true};
  TaskPool* running = nullptr;
  TaskPool pool(clients(1), 1, [&](size_t, ClientLease& lease) {
    taken_at_once = running->take_or_queue([&log] { log.add("granted"); });
    lease.release();
    auto resumed = std::async(std::launch::async, [&lease] { lease.reacquire(); });
    auto give_up = std::chrono::steady_clock::now() + kLongEnough;
    while (running->resuming() == 0 && std::chrono::steady_clock::now() < give_up)
      std::this_thread::yield();
    resumed_early = resumed.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
    log.add("giving back");
    running->give_back();
    resumed.wait();
    log.add("resumed");
  });
  running = &pool;
  pool.run();
  EXPECT_FALSE(taken_at_once.load());
  EXPECT_FALSE(resumed_early.load());
  EXPECT_EQ(log.events(), (std::vector<std::string>{"granted", "giving back", "resumed"}));
}

TEST(TaskPool, FreePermitIsTakenAtOnce) {
  // Two clients, one task: the other client is free, so a permit comes without queueing, and
  // the task can still release and reacquire its own.
  std::atomic<bool> taken_at_once{false};
  std::atomic<bool> granted_later{false};
  TaskPool* running = nullptr;
  TaskPool pool(clients(2), 1, [&](size_t, ClientLease& lease) {
    taken_at_once = running->take_or_queue([&granted_later] { granted_later = true; });
    lease.release();
    lease.reacquire();
    running->give_back();
  });
  running = &pool;
  pool.run();
  EXPECT_TRUE(taken_at_once.load());
  EXPECT_FALSE(granted_later.load());
}

TEST(TaskPool, UnpooledLeaseKeepsClient) {
  NullClient client;
  ClientLease lease(client);
  lease.release();
  lease.reacquire();
  EXPECT_EQ(&lease.client(), &client);
}

}  // namespace
}  // namespace probe
