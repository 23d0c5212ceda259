#include "task_pool.h"

#include <algorithm>
#include <utility>

namespace probe {

namespace {

// Threads beyond the clients exist only to wait, but each still reserves a stack, so their
// number is bounded. Past this bound a released client waits for a resuming test instead of
// starting a new one.
constexpr size_t kMaxThreads = 4096;

}  // namespace

void ClientLease::release() {
  if (pool_ == nullptr || client_ == nullptr)
    return;
  pool_->return_client(std::exchange(client_, nullptr));
}

void ClientLease::reacquire() {
  if (pool_ == nullptr || client_ != nullptr)
    return;
  std::unique_lock lock(pool_->mutex_);
  client_ = pool_->take_client(lock);
}

bool LeaseWaiter::sleep_for(double seconds) {
  if (seconds <= 0)
    return inner_.sleep_for(seconds);
  lease_.release();
  bool slept = inner_.sleep_for(seconds);
  lease_.reacquire();
  return slept;
}

TaskPool::TaskPool(std::vector<std::unique_ptr<HttpClient>> clients, size_t count, Task task)
    : clients_(std::move(clients)), count_(count), task_(std::move(task)) {
  for (const auto& client : clients_)
    free_clients_.push_back(client.get());
}

TaskPool::~TaskPool() {
  for (std::thread& thread : threads_) {
    if (thread.joinable())
      thread.join();
  }
}

void TaskPool::run() {
  std::unique_lock lock(mutex_);
  size_t first = std::min(clients_.size(), count_);
  for (size_t i = 0; i < first; ++i) {
    HttpClient* client = free_clients_.back();
    free_clients_.pop_back();
    start_thread(client);
  }
  all_done_.wait(lock, [this] { return next_task_ >= count_ && live_threads_ == 0; });
  // No thread starts once every task is taken, so threads_ no longer changes.
  std::vector<std::thread> threads = std::move(threads_);
  lock.unlock();
  for (std::thread& thread : threads)
    thread.join();
}

size_t TaskPool::peak_threads() {
  std::lock_guard lock(mutex_);
  return peak_threads_;
}

size_t TaskPool::resuming() {
  std::lock_guard lock(mutex_);
  return resumers_.size();
}

void TaskPool::start_thread(HttpClient* client) {
  ++live_threads_;
  peak_threads_ = std::max(peak_threads_, live_threads_);
  threads_.emplace_back([this, client] { thread_main(client); });
}

void TaskPool::thread_main(HttpClient* client) {
  for (;;) {
    size_t index = 0;
    {
      std::lock_guard lock(mutex_);
      // A finished task's client goes to a resuming test first, and this thread ends. A later
      // hand-over starts a new thread if tasks are left.
      if (next_task_ >= count_ || !resumers_.empty()) {
        hand_on(client);
        if (--live_threads_ == 0 && next_task_ >= count_)
          all_done_.notify_all();
        return;
      }
      index = next_task_++;
    }
    ClientLease lease(*this, *client);
    task_(index, lease);
    // The lease always ends holding a client: every wait reacquires one before it returns.
    client = lease.client_;
  }
}

HttpClient* TaskPool::take_client(std::unique_lock<std::mutex>& lock) {
  if (!free_clients_.empty() && resumers_.empty()) {
    HttpClient* client = free_clients_.back();
    free_clients_.pop_back();
    return client;
  }
  Resumer self;
  resumers_.push_back({&self, nullptr});
  self.handed.wait(lock, [&self] { return self.client != nullptr; });
  return self.client;
}

void TaskPool::return_client(HttpClient* client) {
  std::lock_guard lock(mutex_);
  hand_on(client);
}

bool TaskPool::take_or_queue(std::function<void()> granted) {
  std::lock_guard lock(mutex_);
  if (free_clients_.empty() || !resumers_.empty()) {
    resumers_.push_back({nullptr, std::move(granted)});
    return false;
  }
  lent_.push_back(free_clients_.back());
  free_clients_.pop_back();
  return true;
}

void TaskPool::give_back() {
  std::lock_guard lock(mutex_);
  HttpClient* client = lent_.back();
  lent_.pop_back();
  hand_on(client);
}

void TaskPool::hand_on(HttpClient* client) {
  if (!resumers_.empty()) {
    Waiting waiting = std::move(resumers_.front());
    resumers_.pop_front();
    if (waiting.thread == nullptr) {
      lent_.push_back(client);
      waiting.granted();
      return;
    }
    Resumer* next = waiting.thread;
    next->client = client;
    // Under the mutex: once it is released, the resumer may return and its Resumer is gone.
    next->handed.notify_one();
    return;
  }
  // A test starting to wait leaves its client idle: start the next task with it.
  if (next_task_ < count_ && live_threads_ < kMaxThreads) {
    start_thread(client);
    return;
  }
  free_clients_.push_back(client);
}

}  // namespace probe
