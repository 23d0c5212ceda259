// Running tests on threads that share a fixed set of HTTP clients.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "http_client.h"
#include "poll_loop.h"
#include "waiter.h"

namespace probe {

class TaskPool;

// The HTTP client a running test sends with. In a TaskPool the test gives the client back while
// it waits between poll attempts and may get another one afterwards, so callers ask client()
// before each request instead of keeping the reference.
class ClientLease {
 public:
  // A lease of a client that is not pooled: release() and reacquire() do nothing.
  explicit ClientLease(HttpClient& client) : client_(&client) {}
  ClientLease(const ClientLease&) = delete;
  ClientLease& operator=(const ClientLease&) = delete;

  HttpClient& client() { return *client_; }
  // Gives the client back to the pool, which may start another test with it.
  void release();
  // Blocks until a client is free. Tests resuming from a wait go before tests not yet started.
  void reacquire();

 private:
  friend class TaskPool;
  ClientLease(TaskPool& pool, HttpClient& client) : pool_(&pool), client_(&client) {}

  TaskPool* pool_ = nullptr;
  HttpClient* client_;
};

// A Waiter that gives the lease's client back for the length of each wait.
class LeaseWaiter : public Waiter {
 public:
  LeaseWaiter(Waiter& inner, ClientLease& lease) : inner_(inner), lease_(lease) {}
  std::chrono::steady_clock::time_point now() const override { return inner_.now(); }
  bool sleep_for(double seconds) override;

 private:
  Waiter& inner_;
  ClientLease& lease_;
};

// Runs tasks 0..count-1, each on a thread with one of the clients. The clients bound how many
// tasks send requests at once. A task waiting for a poll keeps none, so the pool starts another
// thread for the next task in its place: with N clients, up to N tasks are busy and any number
// wait, each waiting task costing one idle thread.
//
// A client passes from hand to hand. A test that stops using it gives it to the oldest waiter (a
// resuming test or a permit borrower), else to a new thread for the next task, else to the free
// list. Each hand-over wakes exactly the thread that receives the client.
//
// The pool also lends its clients as SendPermits to a PollLoop, which takes one per attempt in
// flight without using it, so the loop's requests count against the same bound.
class TaskPool : public SendPermits {
 public:
  using Task = std::function<void(size_t index, ClientLease& lease)>;

  TaskPool(std::vector<std::unique_ptr<HttpClient>> clients, size_t count, Task task);
  ~TaskPool();
  TaskPool(const TaskPool&) = delete;
  TaskPool& operator=(const TaskPool&) = delete;

  // Runs every task and returns when all have finished.
  void run();

  bool take_or_queue(std::function<void()> granted) override;
  void give_back() override;

  // The maximum number of threads alive at once.
  size_t peak_threads();
  // Threads blocked in ClientLease::reacquire().
  size_t resuming();

 private:
  friend class ClientLease;

  // A thread blocked in ClientLease::reacquire(), waiting to be handed a client.
  struct Resumer {
    std::condition_variable handed;
    HttpClient* client = nullptr;
  };
  // A waiter for the next free client: a resuming thread, or a SendPermits borrower.
  struct Waiting {
    Resumer* thread = nullptr;
    std::function<void()> granted;
  };

  void start_thread(HttpClient* client);  // requires mutex_
  void thread_main(HttpClient* client);
  HttpClient* take_client(std::unique_lock<std::mutex>& lock);
  void return_client(HttpClient* client);
  void hand_on(HttpClient* client);  // requires mutex_

  std::vector<std::unique_ptr<HttpClient>> clients_;
  const size_t count_;
  const Task task_;

  std::mutex mutex_;
  std::condition_variable all_done_;
  std::vector<HttpClient*> free_clients_;
  std::deque<Waiting> resumers_;   // oldest first
  std::vector<HttpClient*> lent_;  // held as permits
  size_t next_task_ = 0;
  size_t live_threads_ = 0;
  size_t peak_threads_ = 0;
  std::vector<std::thread> threads_;
};

}  // namespace probe
