// Running the engine without a network: an HttpClient that returns the responses of routes the
// test registers and records every request, and a harness that loads suite and site YAML text
// and runs it through the Executor.
#pragma once

#include <gtest/gtest.h>

#include <cctype>
#include <expected>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "diagnostic.h"
#include "executor.h"
#include "http_client.h"
#include "site.h"
#include "suite_loader.h"
#include "yaml_tree.h"

namespace probe::testing {

inline HttpResponse json_response(int status, const nlohmann::json& body, HeaderList headers = {}) {
  HttpResponse response;
  response.status = status;
  response.http_version = "1.1";
  response.headers = std::move(headers);
  response.headers.emplace_back("Content-Type", "application/json");
  response.body = body.dump();
  return response;
}

inline HttpResponse text_response(int status, std::string body, HeaderList headers = {}) {
  HttpResponse response;
  response.status = status;
  response.http_version = "1.1";
  response.headers = std::move(headers);
  response.body = std::move(body);
  return response;
}

// An HttpClient that records every request and responds from the route registered for its method
// and full URL (query included), else from the fallback handler, else with 404 "no route".
class FakeHttpClient : public HttpClient {
 public:
  using Result = std::expected<HttpResponse, HttpError>;
  using Handler = std::function<Result(const HttpRequest&)>;

  void on(const std::string& method, const std::string& url, HttpResponse response) {
    routes_[method + " " + url] = [response](const HttpRequest&) { return Result(response); };
  }

  void on(const std::string& method, const std::string& url, Handler handler) {
    routes_[method + " " + url] = std::move(handler);
  }

  void fallback(Handler handler) { fallback_ = std::move(handler); }

  Result send(const HttpRequest& request) override {
    requests.push_back(request);
    if (auto route = routes_.find(request.method + " " + request.url); route != routes_.end())
      return route->second(request);
    if (fallback_)
      return fallback_(request);
    return text_response(404, "no route for " + request.method + " " + request.url);
  }

  // Counts the requests sent so far with `method` and a URL that starts with `url_prefix`.
  int count(const std::string& method, const std::string& url_prefix) const {
    int total = 0;
    for (const HttpRequest& request : requests) {
      if (request.method == method && request.url.starts_with(url_prefix))
        ++total;
    }
    return total;
  }

  std::vector<HttpRequest> requests;

 private:
  std::map<std::string, Handler> routes_;
  Handler fallback_;
};

// The value of the first header called `name` (compared case-insensitively), or nullptr.
inline const std::string* find_header(const HttpRequest& request, const std::string& name) {
  for (const auto& [key, value] : request.headers) {
    if (key.size() != name.size())
      continue;
    bool same = true;
    for (size_t i = 0; i < key.size(); ++i) {
      same = same && std::tolower(static_cast<unsigned char>(key[i])) ==
                         std::tolower(static_cast<unsigned char>(name[i]));
    }
    if (same)
      return &value;
  }
  return nullptr;
}

class NullObserver : public RunObserver {
 public:
  void suite_started(const Suite&) override {}
  void step_finished(const StepResult&) override {}
  void test_finished(const TestResult&) override {}
};

// Writes `text` to a file named after the running test, so tests that run in parallel
// processes do not share files, and returns its path.
inline std::string write_test_file(const std::string& text, const std::string& suffix = ".yaml") {
  static int counter = 0;
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string path = ::testing::TempDir() + "probe-" + info->test_suite_name() + "-" +
                     info->name() + "-" + std::to_string(++counter) + suffix;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  return path;
}

inline std::string format_all(const Diagnostics& diagnostics) {
  std::string text;
  for (const Diagnostic& diagnostic : diagnostics)
    text += format_diagnostic(diagnostic);
  return text;
}

// Parses YAML text as the loaders do. A diagnostic fails the running test, and an undefined node
// is returned.
inline yaml::Node parse_test_yaml(std::string_view text) {
  auto root = yaml::parse_yaml(text, "inline.yaml");
  if (!root) {
    ADD_FAILURE() << "the YAML does not parse:\n" << format_diagnostic(root.error());
    return {};
  }
  return *root;
}

// Loads suite YAML text. A diagnostic fails the running test, and an empty suite is returned.
inline Suite load_suite_text(const std::string& yaml) {
  auto suite = load_suite(write_test_file(yaml));
  if (!suite) {
    ADD_FAILURE() << "the suite does not load:\n" << format_all(suite.error());
    return {};
  }
  return std::move(*suite);
}

// Loads site YAML text. A diagnostic fails the running test, and an empty site is returned.
inline Site load_site_text(const std::string& yaml) {
  auto site = load_site(write_test_file(yaml));
  if (!site) {
    ADD_FAILURE() << "the site does not load:\n" << format_all(site.error());
    return {};
  }
  return std::move(*site);
}

inline constexpr const char* kFakeSite = "name: fake\nbase_url: https://tapis.test\ntenant: dev\n";

// Runs suites against a site through one Executor with a FakeHttpClient behind it, so tokens
// are shared between run() calls. Register routes on `client` and set `options` before the
// first run().
class OfflineRun {
 public:
  explicit OfflineRun(const std::string& site_yaml = kFakeSite) : site(load_site_text(site_yaml)) {}

  SuiteResult run(const std::string& suite_yaml) {
    Suite suite = load_suite_text(suite_yaml);
    if (!executor_)
      executor_ = std::make_unique<Executor>(site, options, client, redactor, observer);
    return executor_->run_suite(suite);
  }

  int tokens_minted() const { return executor_ ? executor_->tokens_minted() : 0; }

  Site site;
  FakeHttpClient client;
  Redactor redactor;
  RunOptions options;
  NullObserver observer;

 private:
  std::unique_ptr<Executor> executor_;
};

}  // namespace probe::testing
