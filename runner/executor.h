// Running suites: requests, captures and assertions, producing the result tree.
#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "auth.h"
#include "http_client.h"
#include "result.h"
#include "secrets.h"
#include "site.h"
#include "suite.h"

namespace probe {

// Receives progress while a run goes on, for the console. Text is not yet masked.
class RunObserver {
 public:
  virtual ~RunObserver() = default;
  virtual void suite_started(const Suite& suite) = 0;
  virtual void step_finished(const StepResult& step) = 0;
  virtual void test_finished(const TestResult& test) = 0;
};

struct RunOptions {
  std::vector<std::pair<std::string, std::string>> variables;  // from --var, override the files
  const std::atomic<bool>* interrupt = nullptr;
  std::optional<std::chrono::steady_clock::time_point> deadline;  // from --max-time
};

class Executor {
 public:
  // Every reference must outlive the executor.
  Executor(const Site& site, const RunOptions& options, HttpClient& client, Redactor& redactor,
           RunObserver& observer);

  SuiteResult run_suite(const Suite& suite);

  int tokens_minted() const { return tokens_.tokens_minted(); }

 private:
  TestResult run_test(const Suite& suite, const TestSpec& test, const Scope& suite_scope);
  StepResult run_step(const Suite& suite, const StepSpec& step, Scope& scope);
  bool stopped() const;
  std::string stop_reason() const;

  const Site& site_;
  const RunOptions& options_;
  HttpClient& client_;
  Redactor& redactor_;
  RunObserver& observer_;
  Scope site_scope_;
  Scope run_scope_;  // --var values over the site's
  TokenProvider tokens_;
};

}  // namespace probe
