#include "waiter.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>

namespace probe {

namespace {

int g_pipe[2] = {-1, -1};

}  // namespace

void init_interrupt_pipe() {
  if (g_pipe[0] >= 0)
    return;
  if (pipe2(g_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
    g_pipe[0] = g_pipe[1] = -1;
}

int interrupt_fd() {
  return g_pipe[0];
}

void notify_interrupt() {
  if (g_pipe[1] < 0)
    return;
  char byte = 1;
  // The byte stays unread, so the read end remains readable and every later wait ends at once.
  ssize_t written = write(g_pipe[1], &byte, 1);
  (void)written;
}

std::chrono::steady_clock::time_point SystemWaiter::now() const {
  return std::chrono::steady_clock::now();
}

bool SystemWaiter::sleep_for(double seconds) {
  auto deadline = now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                              std::chrono::duration<double>(std::max(seconds, 0.0)));
  while (true) {
    double left = std::chrono::duration<double>(deadline - now()).count();
    if (left <= 0)
      return true;
    pollfd descriptor = {g_pipe[0], POLLIN, 0};
    int ready = poll(&descriptor, g_pipe[0] >= 0 ? 1 : 0, static_cast<int>(std::ceil(left * 1000)));
    if (ready > 0)
      return false;
    if (ready < 0 && errno != EINTR)
      return true;
  }
}

}  // namespace probe
