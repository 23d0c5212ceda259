#include "simulator.h"

#include <httplib.h>

#include <chrono>
#include <stdexcept>
#include <thread>

#include "paths.h"

namespace probe::e2e {

namespace {

using namespace std::chrono_literals;

constexpr const char* kListeningPrefix = "listening on ";

// Waits for the first line of `stdout_path`, which the simulator writes once its port is bound.
std::string wait_for_first_line(Process& process, const std::string& stdout_path) {
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    std::string text = read_file(stdout_path);
    size_t end = text.find('\n');
    if (end != std::string::npos)
      return text.substr(0, end);
    if (auto status = process.poll())
      throw std::runtime_error("tapis-sim " + describe(*status) + " before it listened");
    std::this_thread::sleep_for(10ms);
  }
  throw std::runtime_error("tapis-sim printed no line within 10 s");
}

int count_token_requests(const nlohmann::json& requests, const std::string& path,
                         const std::string& grant) {
  int count = 0;
  for (const nlohmann::json& request : requests) {
    if (request.value("method", "") == "POST" && request.value("path", "") == path &&
        request.value("grant", "") == grant)
      ++count;
  }
  return count;
}

}  // namespace

Simulator::Simulator(const std::string& log_prefix, const std::vector<std::string>& extra_args) {
  ProcessOptions options;
  options.argv = {binary_path("tapis-sim"), "--port",        "0", "--password", kUserPassword,
                  "--service-password",     kServicePassword};
  options.argv.insert(options.argv.end(), extra_args.begin(), extra_args.end());
  options.stdout_path = log_prefix + ".out";
  options.stderr_path = log_prefix + ".err";
  process_ = std::make_unique<Process>(options);

  std::string line = wait_for_first_line(*process_, options.stdout_path);
  if (!line.starts_with(kListeningPrefix))
    throw std::runtime_error("unexpected first line from tapis-sim: '" + line + "'");
  url_ = line.substr(std::string(kListeningPrefix).size());
}

Simulator::~Simulator() {
  if (process_->running())
    stop();
}

ExitStatus Simulator::stop() {
  return process_->stop(5s);
}

namespace {

nlohmann::json get_json(const std::string& url, const std::string& path,
                        const httplib::Headers& headers = {}) {
  httplib::Client client(url);
  client.set_connection_timeout(5);
  client.set_read_timeout(5);
  auto response = client.Get(path.c_str(), headers);
  if (!response)
    throw std::runtime_error("GET " + url + path + " failed");
  if (response->status != 200)
    throw std::runtime_error("GET " + path + " returned " + std::to_string(response->status));
  return nlohmann::json::parse(response->body);
}

}  // namespace

nlohmann::json Simulator::requests() const {
  return get_json(url_, "/_sim/requests");
}

nlohmann::json Simulator::state() const {
  return get_json(url_, "/_sim/state");
}

nlohmann::json Simulator::get_as_user(const std::string& path) const {
  httplib::Client client(url_);
  client.set_connection_timeout(5);
  client.set_read_timeout(5);
  nlohmann::json grant = {
      {"username", "testuser"}, {"password", kUserPassword}, {"grant_type", "password"}};
  auto minted = client.Post("/v3/oauth2/tokens", grant.dump(), "application/json");
  if (!minted || minted->status != 200)
    throw std::runtime_error("POST /v3/oauth2/tokens failed");
  std::string token = nlohmann::json::parse(minted->body)["result"]["access_token"]["access_token"];
  return get_json(url_, path, {{"X-Tapis-Token", token}});
}

int Simulator::password_grant_count() const {
  return count_token_requests(requests(), "/v3/oauth2/tokens", "password");
}

int Simulator::service_token_count() const {
  return count_token_requests(requests(), "/v3/tokens", "service");
}

}  // namespace probe::e2e
