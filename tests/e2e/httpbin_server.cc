#include "httpbin_server.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <thread>

namespace probe::e2e {

namespace {

using namespace std::chrono_literals;

constexpr const char* kPython = "/usr/bin/python3";
constexpr int kStartAttempts = 3;

bool responds(const std::string& url) {
  httplib::Client client(url);
  client.set_connection_timeout(1);
  client.set_read_timeout(2);
  auto response = client.Get("/get");
  return response && response->status == 200;
}

}  // namespace

int pick_free_port() {
  int socket_fd = socket(AF_INET, SOCK_STREAM, 0);
  if (socket_fd < 0)
    throw std::runtime_error("socket() failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  bool ok = bind(socket_fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
            getsockname(socket_fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  close(socket_fd);
  if (!ok)
    throw std::runtime_error("cannot bind a loopback port");
  return ntohs(address.sin_port);
}

HttpbinServer::HttpbinServer(const std::string& log_prefix) {
  if (access(kPython, X_OK) != 0)
    throw std::runtime_error(
        "/usr/bin/python3 is missing: apt-get install python3 python3-httpbin");

  for (int attempt = 1; attempt <= kStartAttempts; ++attempt) {
    if (start_on_free_port(log_prefix + "-" + std::to_string(attempt)))
      return;
  }
  throw std::runtime_error(
      "httpbin did not respond to GET /get; is python3-httpbin installed "
      "(apt-get install python3-httpbin)? See " +
      log_prefix + "-*.err");
}

HttpbinServer::~HttpbinServer() {
  if (process_ && process_->running())
    process_->stop(5s);
}

// Returns false when httpbin exited, for example because another process took the port first.
bool HttpbinServer::start_on_free_port(const std::string& log_prefix) {
  int port = pick_free_port();
  ProcessOptions options;
  options.argv = {kPython,     "-m",     "httpbin.core",      "--host",
                  "127.0.0.1", "--port", std::to_string(port)};
  options.stdout_path = log_prefix + ".out";
  options.stderr_path = log_prefix + ".err";
  process_ = std::make_unique<Process>(options);
  url_ = "http://127.0.0.1:" + std::to_string(port);

  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!process_->running() || process_->poll())
      return false;
    if (responds(url_))
      return true;
    std::this_thread::sleep_for(50ms);
  }
  process_->stop(5s);
  return false;
}

}  // namespace probe::e2e
