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
  pool_->give_back(std::exchange(client_, nullptr));
}

void ClientLease::reacquire() {
  if (pool_ == nullptr || client_ != nullptr)
    return;
  std::unique_lock lock(pool_->mutex_);
  client_ = pool_->take_client(lock, true);
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
  for (size_t i = 0; i < first; ++i)
    start_thread();
  changed_.wait(lock, [this] { return next_task_ >= count_ && live_threads_ == 0; });
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
  return resuming_;
}

void TaskPool::start_thread() {
  ++live_threads_;
  peak_threads_ = std::max(peak_threads_, live_threads_);
  threads_.emplace_back([this] { thread_main(); });
}

void TaskPool::thread_main() {
  HttpClient* client = nullptr;
  for (;;) {
    size_t index = 0;
    {
      std::unique_lock lock(mutex_);
      // A finished task's client goes to a resuming test first, and back when no task is left.
      if (client != nullptr && (resuming_ > 0 || next_task_ >= count_)) {
        free_clients_.push_back(std::exchange(client, nullptr));
        changed_.notify_all();
      }
      if (client == nullptr) {
        ++starting_;
        changed_.wait(lock, [this] {
          return next_task_ >= count_ || (!free_clients_.empty() && resuming_ == 0);
        });
        --starting_;
        if (next_task_ >= count_) {
          --live_threads_;
          changed_.notify_all();
          return;
        }
        client = free_clients_.back();
        free_clients_.pop_back();
      }
      index = next_task_++;
    }
    ClientLease lease(*this, *client);
    task_(index, lease);
    // The lease always ends holding a client: every wait reacquires one before it returns.
    client = lease.client_;
  }
}

HttpClient* TaskPool::take_client(std::unique_lock<std::mutex>& lock, bool resuming) {
  if (resuming)
    ++resuming_;
  changed_.wait(lock, [this] { return !free_clients_.empty(); });
  if (resuming)
    --resuming_;
  HttpClient* client = free_clients_.back();
  free_clients_.pop_back();
  return client;
}

void TaskPool::give_back(HttpClient* client) {
  std::lock_guard lock(mutex_);
  free_clients_.push_back(client);
  // A test starting to wait leaves its client idle: start the next task with it, unless a
  // thread already waits to do that or a resuming test will take the client.
  if (next_task_ < count_ && starting_ == 0 && resuming_ == 0 && live_threads_ < kMaxThreads)
    start_thread();
  changed_.notify_all();
}

}  // namespace probe
