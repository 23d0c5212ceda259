// Running suites: requests, captures and assertions, producing the result tree.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "assertion.h"
#include "auth.h"
#include "http_client.h"
#include "poll_loop.h"
#include "result.h"
#include "secrets.h"
#include "site.h"
#include "suite.h"
#include "task_pool.h"
#include "waiter.h"

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
  // Set on SIGINT or SIGTERM: no new test starts and requests in flight stop, but cleanup
  // steps still run, for at most cleanup_grace_seconds.
  const std::atomic<bool>* interrupt = nullptr;
  // Set on a second signal: cleanup requests stop too.
  const std::atomic<bool>* hard_stop = nullptr;
  double cleanup_grace_seconds = 20;
  std::optional<std::chrono::steady_clock::time_point> deadline;  // from --max-time
  Waiter* waiter = nullptr;                                       // the system clock when null
  // With jobs > 1 and a factory, suites run concurrently with that many clients from the factory,
  // so at most `jobs` requests are in flight; a test waiting between poll attempts keeps no
  // client. The tests of one suite keep their order unless the suite is `parallel`.
  int jobs = 1;
  std::function<std::unique_ptr<HttpClient>()> client_factory;
  // With jobs > 1 and this factory, the polls of concurrent tests go through one PollLoop whose
  // requests count against `jobs` too; without it, each waiting poll sleeps on its own thread.
  std::function<std::unique_ptr<PollLoop>(SendPermits& permits)> poll_loop_factory;

  // Cleanup may run a grace period past --max-time.
  std::optional<std::chrono::steady_clock::time_point> deadline_with_grace() const {
    if (!deadline)
      return std::nullopt;
    return *deadline + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                           std::chrono::duration<double>(cleanup_grace_seconds));
  }
};

// The reason a request produced no response.
struct StepError {
  std::string message;
  bool interrupted = false;
  bool token_pending = false;  // only when not waiting for tokens: one must be minted first
};

class Executor {
 public:
  // Every reference must outlive the executor.
  Executor(const Site& site, const RunOptions& options, HttpClient& client, Redactor& redactor,
           RunObserver& observer);

  SuiteResult run_suite(const Suite& suite);
  // Runs every suite, concurrently when options allow; results keep the order of `suites`.
  std::vector<SuiteResult> run(const std::vector<Suite>& suites);

  int tokens_minted() const { return tokens_.tokens_minted(); }

 private:
  SuiteResult start_suite(const Suite& suite);
  // Fills `holder` with the suite's variables and returns the scope tests run in.
  std::unique_ptr<Scope> suite_scope(const Suite& suite, Scope& holder);
  TestResult run_test(const Suite& suite, const TestSpec& test, const Scope& suite_scope,
                      ClientLease& lease, bool live_progress);
  // Runs `steps` into `result`: ordinary steps until one does not pass, cleanup steps all.
  void run_steps(const Suite& suite, const std::vector<StepSpec>& steps, Scope& scope,
                 ClientLease& lease, bool cleanup, bool live_progress, TestResult& result);
  // Runs an included fragment's steps in a scope of their own.
  void run_include(const Suite& suite, const StepSpec& step, Scope& caller, ClientLease& lease,
                   bool cleanup, bool live_progress, TestResult& result);
  StepResult run_step(const Suite& suite, const StepSpec& step, Scope& scope, ClientLease& lease,
                      bool cleanup);
  // Adds credentials and the time limits that apply, then sends.
  std::expected<HttpResponse, StepError> send(HttpClient& client, const HttpRequest& request,
                                              AuthKind auth, bool cleanup);
  // The two halves of send(). outgoing() builds the request as it goes out and sets
  // `cut_by_limit` when the run's time limit shortened its timeout. Without `wait_for_token`, a
  // token still to be minted gives a StepError with `token_pending` instead of blocking.
  // received() turns a transfer's result into the step's response or error.
  std::expected<HttpRequest, StepError> outgoing(const HttpRequest& request, AuthKind auth,
                                                 bool cleanup, bool& cut_by_limit,
                                                 bool wait_for_token = true);
  std::expected<HttpResponse, StepError> received(std::expected<HttpResponse, HttpError> response,
                                                  bool cleanup, bool cut_by_limit);
  std::string limit_reason(bool cleanup) const;
  std::optional<HttpResponse> poll(ClientLease& lease, const StepSpec& spec,
                                   const HttpRequest& request, AuthKind auth, bool cleanup,
                                   Scope& scope, StepResult& step);
  void check_response(const StepSpec& spec, const HttpResponse& response, Scope& scope,
                      StepResult& step);
  // Evaluates one assertion, with its values masked and cut for display.
  AssertionResult checked_assertion(const AssertionSpec& assertion, const nlohmann::json& expected,
                                    const ResponseView& view);
  bool all_hold(const std::vector<AssertionSpec>& assertions, const ResponseView& view,
                const Scope& scope, std::vector<AssertionResult>* results);
  std::optional<std::chrono::steady_clock::time_point> cleanup_deadline();
  bool stopped() const;
  std::string stop_reason() const;

  const Site& site_;
  const RunOptions& options_;
  HttpClient& client_;
  Redactor& redactor_;
  RunObserver& observer_;
  SystemWaiter system_waiter_;
  Waiter& waiter_;
  std::mutex grace_mutex_;
  std::optional<std::chrono::steady_clock::time_point> grace_deadline_;
  Scope site_scope_;
  Scope run_scope_;  // --var values over the site's
  TokenProvider tokens_;
  PollLoop* poll_loop_ = nullptr;  // set while a TaskPool runs, when options allow
};

}  // namespace probe
