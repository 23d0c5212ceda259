// python3-httpbin (Debian's package, run by /usr/bin/python3) on a free loopback port.
#pragma once

#include <memory>
#include <string>

#include "process.h"

namespace probe::e2e {

class HttpbinServer {
 public:
  // Starts `/usr/bin/python3 -m httpbin.core --port N` on a free port and waits until GET /get
  // returns 200. Logs go to LOG_PREFIX.out and LOG_PREFIX.err. Throws std::runtime_error when
  // httpbin does not respond within 20 s or is not installed.
  explicit HttpbinServer(const std::string& log_prefix);
  ~HttpbinServer();

  HttpbinServer(const HttpbinServer&) = delete;
  HttpbinServer& operator=(const HttpbinServer&) = delete;

  // http://127.0.0.1:PORT
  const std::string& url() const { return url_; }

 private:
  bool start_on_free_port(const std::string& log_prefix);

  std::unique_ptr<Process> process_;
  std::string url_;
};

// A loopback TCP port that was free a moment ago: bound to port 0, read, closed. Another
// process can take it before the caller binds it, so callers retry on failure.
int pick_free_port();

}  // namespace probe::e2e
