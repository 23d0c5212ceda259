// The Tapis simulator (tapis-sim) as a child process on a free loopback port.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "process.h"

namespace probe::e2e {

// The passwords every simulator of these tests accepts; the site files read them from
// TAPIS_PASSWORD and TAPIS_SERVICE_PASSWORD.
inline constexpr const char* kUserPassword = "testpass";
inline constexpr const char* kServicePassword = "streamspass";

class Simulator {
 public:
  // Starts `tapis-sim --port 0 --password testpass --service-password streamspass` with
  // `extra_args` (such as --fault SPEC or --token-ttl N) and waits for its
  // "listening on URL" line. Logs go to LOG_PREFIX.out and LOG_PREFIX.err. Throws
  // std::runtime_error when the simulator does not start within 10 s.
  Simulator(const std::string& log_prefix, const std::vector<std::string>& extra_args);

  // Stops the simulator when it still runs.
  ~Simulator();

  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  // http://127.0.0.1:PORT
  const std::string& url() const { return url_; }

  // Stops the simulator with SIGTERM; its port then refuses connections.
  ExitStatus stop();

  // GET /_sim/requests: every request received outside the control API, oldest first.
  nlohmann::json requests() const;

  // GET /_sim/state: the counts of live resources.
  nlohmann::json state() const;

  // The JSON body of GET PATH, sent with a user token minted for this call. Throws
  // std::runtime_error unless the response is 200.
  nlohmann::json get_as_user(const std::string& path) const;

  // The token requests of requests(): password grants on POST /v3/oauth2/tokens, or service
  // tokens on POST /v3/tokens.
  int password_grant_count() const;
  int service_token_count() const;

 private:
  std::unique_ptr<Process> process_;
  std::string url_;
};

}  // namespace probe::e2e
