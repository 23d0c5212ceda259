// tapis-sim: a loopback HTTP server that behaves like one Tapis tenant, for end-to-end tests.

#include <pthread.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <optional>
#include <thread>

#include "sim_server.h"

namespace {

using probe::sim::SimConfig;

constexpr const char* kFaultHelp = R"(Fault grammar (--fault, and "spec" in POST /_sim/faults):
  METHOD PATH-PATTERN ACTION... [times=N]
    METHOD        GET, POST, ... or * for any method
    PATH-PATTERN  an exact path, or a prefix ending in * (/v3/streams/* or *)
    ACTION        status=CODE        respond with CODE and an error envelope
                  delay=N(ms|s)      wait before handling (combines with the others)
                  body=malformed     respond with truncated JSON (status 200 unless status=)
                  body=empty         respond with an empty body (status 200 unless status=)
                  reset              close the connection with a TCP reset, no response
                  flap=N             over the next N matching requests, fault every other one
                                     (the 1st, 3rd, ...); 503 unless status=, body= or reset
    times=N       apply to the next N matching requests only; otherwise to all
  The first matching rule applies. Paths under /_sim/ are never faulted.
Examples:
  --fault 'GET /v3/apps status=503' --fault '* /v3/streams/* status=500 times=2'
  --fault 'GET /v3/systems delay=5s' --fault 'GET /v3/pods reset'
Control API (no auth): POST/GET/DELETE /_sim/faults, GET/DELETE /_sim/requests,
GET /_sim/state.
See docs/simulator.md.)";

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.starts_with("127.");
}

std::string format_base_url(const std::string& host, int port) {
  std::string authority = host.find(':') == std::string::npos ? host : "[" + host + "]";
  return "http://" + authority + ":" + std::to_string(port);
}

// Parses the command line into `config`. Returns an exit code when the program should stop.
std::optional<int> parse_command_line(int argc, char** argv, SimConfig& config) {
  CLI::App app{"tapis-sim: a loopback HTTP server that behaves like one Tapis tenant"};
  app.footer(kFaultHelp);

  std::int64_t token_ttl = config.token_ttl.count();
  double pace_seconds = static_cast<double>(config.pace.count()) / 1e6;
  std::vector<std::string> fault_specs;
  app.add_option("--port", config.port, "TCP port to listen on, or 0 for a free port")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  app.add_option("--host", config.host, "loopback address to bind")->capture_default_str();
  app.add_option("--user", config.user.username, "username accepted by /v3/oauth2/tokens")
      ->capture_default_str();
  app.add_option("--password", config.user.password, "password of --user")->capture_default_str();
  app.add_option("--service-user", config.service.username,
                 "service account accepted by /v3/tokens (HTTP basic auth)")
      ->capture_default_str();
  app.add_option("--service-password", config.service.password, "password of --service-user")
      ->capture_default_str();
  app.add_option("--tenant", config.tenant, "tenant id of --user")->capture_default_str();
  app.add_option("--token-ttl", token_ttl,
                 "lifetime of user tokens in seconds (also of service tokens that set no "
                 "access_token_ttl)")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{10} * 365 * 24 * 3600));
  app.add_option("--pace", pace_seconds,
                 "seconds each status of a job, transfer, actor, execution or pod lasts; 0 "
                 "moves new resources to their final status at the next request")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 3600.0));
  app.add_option("--fault", fault_specs, "fault rule in the grammar below (repeatable)")
      ->allow_extra_args(false);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error);
  }
  config.token_ttl = std::chrono::seconds(token_ttl);
  config.pace = std::chrono::microseconds(std::llround(pace_seconds * 1e6));

  if (!is_loopback(config.host)) {
    std::cerr << "tapis-sim: invalid --host '" << config.host
              << "': the simulator accepts test credentials, so it binds only loopback "
                 "addresses (127.x.x.x, ::1, localhost)\n";
    return 2;
  }
  if (config.tenant == config.admin_tenant) {
    std::cerr << "tapis-sim: invalid --tenant '" << config.tenant
              << "': it must differ from the admin tenant '" << config.admin_tenant << "'\n";
    return 2;
  }
  for (const auto& spec : fault_specs) {
    auto rule = probe::sim::parse_fault_spec(spec);
    if (!rule) {
      std::cerr << "tapis-sim: invalid --fault: " << rule.error() << "\n";
      return 2;
    }
    config.faults.push_back(*rule);
  }
  return std::nullopt;
}

// Blocks SIGINT and SIGTERM in every thread started later, so that only the signal waiter in main()
// takes them. Ignores SIGPIPE so that writing to a closed connection returns an error instead.
sigset_t block_stop_signals() {
  std::signal(SIGPIPE, SIG_IGN);
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

}  // namespace

int main(int argc, char** argv) {
  SimConfig config;
  if (auto exit_code = parse_command_line(argc, argv, config)) {
    return *exit_code;
  }
  sigset_t stop_signals = block_stop_signals();

  httplib::Server server;
  auto port = probe::sim::bind_server(server, config.host, config.port);
  if (!port) {
    std::cerr << "tapis-sim: " << port.error() << "\n";
    return 1;
  }
  config.base_url = format_base_url(config.host, *port);

  probe::sim::SimContext context(config);
  for (const auto& rule : context.config.faults) {
    context.faults.add(rule);
  }
  probe::sim::configure_server(server, context);

  std::atomic<bool> signal_received = false;
  std::atomic<bool> listen_returned = false;
  std::thread signal_waiter([&] {
    int signal_number = 0;
    sigwait(&stop_signals, &signal_number);
    signal_received = true;
    if (!listen_returned) {
      std::fprintf(stderr, "tapis-sim: received signal %d, stopping\n", signal_number);
    }
    context.stop.request();
    server.stop();
  });

  std::printf("listening on %s\n", config.base_url.c_str());
  std::fflush(stdout);
  bool served = server.listen_after_bind();
  listen_returned = true;

  // listen_after_bind() also returns when it fails, so wake the waiter to let it be joined.
  if (!signal_received) {
    std::fprintf(stderr, "tapis-sim: error: the server stopped accepting connections\n");
    pthread_kill(signal_waiter.native_handle(), SIGTERM);
  }
  signal_waiter.join();
  std::fprintf(stderr, "tapis-sim: stopped\n");
  return served ? 0 : 1;
}
