#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "faults.h"

namespace probe::sim {

struct Credentials {
  std::string username;
  std::string password;
};

// Settings fixed at startup, read-only once the server accepts requests.
struct SimConfig {
  std::string host = "127.0.0.1";
  int port = 0;
  Credentials user{"testuser", "testpass"};
  Credentials service{"streams", "streamspass"};
  std::string tenant = "dev";
  std::string admin_tenant = "admin";
  std::string site_id = "tacc";

  // Lifetime of tokens from /v3/oauth2/tokens, and of /v3/tokens tokens without access_token_ttl.
  std::chrono::seconds token_ttl{14400};

  // How long each status of a simulated lifecycle (job, transfer, actor, execution, pod) lasts.
  // Zero moves every new resource to its final status at the next request.
  std::chrono::microseconds pace{200'000};

  std::vector<FaultRule> faults;

  // Scheme, host and port the server listens on, set once the port is bound.
  std::string base_url;
};

}  // namespace probe::sim
