#include "executor.h"

#include <fmt/format.h>
#include <re2/re2.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <mutex>
#include <random>
#include <thread>

#include "assertion.h"
#include "json_document.h"
#include "request_builder.h"

namespace probe {

namespace {

using nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

// The part of a response body shown in the step log of a failed step.
constexpr size_t kBodyExcerptBytes = 2048;
constexpr size_t kValueExcerptBytes = 300;  // of a value shown in an assertion or a capture

// Poll attempts beyond this many are counted, not logged one by one.
constexpr int kMaxLoggedAttempts = 20;

std::string random_hex(int digits) {
  static thread_local std::mt19937_64 generator{std::random_device{}()};
  std::string out;
  for (int i = 0; i < digits; ++i)
    out += "0123456789abcdef"[generator() % 16];
  return out;
}

double seconds_since(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

// The current UTC time in a strftime format.
std::string utc_time(const char* format) {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buffer[64];
  std::strftime(buffer, sizeof buffer, format, &utc);
  return buffer;
}

std::string host_name() {
  char buffer[256] = {};
  if (gethostname(buffer, sizeof buffer - 1) != 0)
    return "localhost";
  return buffer;
}

void add_variables(Scope& scope, const Template& variables) {
  if (!variables.value.is_object())
    return;
  for (const auto& [name, value] : variables.value.items()) {
    Binding binding;
    binding.value = value;
    binding.is_template = true;
    binding.location = variables.location;
    // Keep the origins of this variable's own strings, re-rooted at the variable.
    std::string prefix = "/" + escape_pointer_token(name);
    for (const auto& [pointer, origin] : variables.origins) {
      if (pointer == prefix || pointer.starts_with(prefix + "/"))
        binding.origins[pointer.substr(prefix.size())] = origin;
    }
    if (auto found = binding.origins.find(""); found != binding.origins.end())
      binding.location = found->second.location;
    scope.set(name, std::move(binding));
  }
}

void add_cli_variables(Scope& scope, const RunOptions& options) {
  for (const auto& [name, value] : options.variables)
    scope.set(name, Binding{value, false, false, {}, {}});
}

// Registers as secrets the string values of token fields anywhere in a JSON value, so a token
// response never reaches a log or report even when the suite forgets to mark a capture.
// The members whose string value is a credential wherever they appear in a response.
constexpr std::string_view kTokenFields[] = {"access_token", "refresh_token", "password",
                                             "client_key", "token"};
// Token responses nest their tokens a few levels down; deeper values are not searched.
constexpr int kTokenDepth = 8;

void register_tokens(const json& value, Redactor& redactor, int depth) {
  if (depth > kTokenDepth)
    return;
  if (value.is_object()) {
    for (const auto& [key, item] : value.items()) {
      if (item.is_string() && std::ranges::find(kTokenFields, key) != std::end(kTokenFields))
        redactor.add(item.get<std::string>());
      register_tokens(item, redactor, depth + 1);
    }
  } else if (value.is_array()) {
    for (const json& item : value)
      register_tokens(item, redactor, depth + 1);
  }
}

// Registers the token fields of a response body: only an object or a list can hold one.
void register_response_tokens(const ResponseView& view, Redactor& redactor) {
  const std::string& body = view.response().body;
  const size_t first = body.find_first_not_of(" \t\r\n");
  if (first == std::string::npos || (body[first] != '{' && body[first] != '['))
    return;
  if (const JsonDocument* document = view.document()) {
    document->visit_string_members(kTokenFields, kTokenDepth, [&](std::string_view value) {
      redactor.add(std::string(value));
    });
    return;
  }
  // JSON that simdjson rejects but nlohmann::json reads (see JsonDocument::parse).
  if (const json* parsed = view.json())
    register_tokens(*parsed, redactor, 0);
}

// Ends a wait at the run's --max-time, as an interruption does, so that a poll waiting a long
// interval stops there and the cleanup steps still get their grace period.
class DeadlineWaiter : public Waiter {
 public:
  DeadlineWaiter(Waiter& inner, std::optional<SteadyClock::time_point> deadline)
      : inner_(inner), deadline_(deadline) {}
  SteadyClock::time_point now() const override { return inner_.now(); }
  bool sleep_for(double seconds) override {
    if (!deadline_)
      return inner_.sleep_for(seconds);
    const double left = std::chrono::duration<double>(*deadline_ - SteadyClock::now()).count();
    if (left > seconds)
      return inner_.sleep_for(seconds);
    inner_.sleep_for(std::max(left, 0.0));
    return false;
  }

 private:
  Waiter& inner_;
  std::optional<SteadyClock::time_point> deadline_;
};

// The waits of a poll in a cleanup step. They go on after the first signal and end at the
// second, or when the cleanup's time runs out, as the step's requests do.
class CleanupWaiter : public Waiter {
 public:
  using Deadline = std::function<std::optional<SteadyClock::time_point>()>;

  CleanupWaiter(Waiter& inner, const std::atomic<bool>* interrupt,
                const std::atomic<bool>* hard_stop, Deadline deadline)
      : inner_(inner),
        interrupt_(interrupt),
        hard_stop_(hard_stop),
        deadline_(std::move(deadline)) {}
  SteadyClock::time_point now() const override { return inner_.now(); }

  bool sleep_for(double seconds) override {
    const SteadyClock::time_point end =
        inner_.now() +
        std::chrono::duration_cast<SteadyClock::duration>(std::chrono::duration<double>(seconds));
    for (;;) {
      if (is_set(hard_stop_))
        return false;
      double left = std::chrono::duration<double>(end - inner_.now()).count();
      // The grace period starts at the first signal, so the limit is asked again each turn.
      bool limited = false;
      if (auto deadline = deadline_()) {
        const double to_deadline =
            std::chrono::duration<double>(*deadline - SteadyClock::now()).count();
        limited = to_deadline <= left;
        left = std::min(left, to_deadline);
      }
      if (left <= 0)
        return !limited;
      if (!is_set(interrupt_)) {
        if (inner_.sleep_for(left))
          return !limited;
        continue;  // a signal ended the wait: check the flags and the limit again
      }
      // The interruption pipe stays readable after a signal: wait in short turns instead.
      std::this_thread::sleep_for(
          std::chrono::duration<double>(std::min(left, kSignalledTurnSeconds)));
    }
  }

 private:
  static constexpr double kSignalledTurnSeconds = 0.05;

  static bool is_set(const std::atomic<bool>* flag) { return flag != nullptr && flag->load(); }

  Waiter& inner_;
  const std::atomic<bool>* interrupt_;
  const std::atomic<bool>* hard_stop_;
  Deadline deadline_;
};

std::string request_line(const HttpRequest& request) {
  return request.method + " " + request.url;
}

void log_request(StepResult& step, const HttpRequest& request) {
  step.log.push_back("> " + request_line(request));
  for (const auto& [name, value] : request.headers) {
    step.log.push_back(
        fmt::format("> {}: {}", name, is_credential_header(name) ? std::string(kMask) : value));
  }
  if (request.basic_auth)
    step.log.push_back(fmt::format("> Authorization: Basic {}", kMask));
}

void log_response(StepResult& step, const HttpResponse& response) {
  step.log.push_back(
      fmt::format("< HTTP/{} {} ({:.0f} ms, {} bytes{})", response.http_version, response.status,
                  response.seconds * 1000, response.body.size(),
                  response.redirects > 0 ? fmt::format(", {} redirects", response.redirects) : ""));
  for (const auto& [name, value] : response.headers) {
    step.log.push_back(
        fmt::format("< {}: {}", name, is_credential_header(name) ? std::string(kMask) : value));
  }
}

void log_body_excerpt(StepResult& step, const HttpResponse& response, const Redactor& redactor) {
  if (response.body.empty())
    return;
  step.log.push_back("< " + redactor.mask_excerpt(response.body, kBodyExcerptBytes));
}

std::optional<std::string> capture_value(const CaptureSpec& capture, const ResponseView& view,
                                         json& out) {
  const HttpResponse& response = view.response();
  switch (capture.source) {
    case CaptureSource::status:
      out = response.status;
      return std::nullopt;
    case CaptureSource::body:
      out = response.body;
      return std::nullopt;
    case CaptureSource::sha256:
      out = view.sha256();
      return std::nullopt;
    case CaptureSource::size:
      out = response.body_bytes;
      return std::nullopt;
    case CaptureSource::header:
      if (const std::string* value = response.header(capture.expression)) {
        out = *value;
        return std::nullopt;
      }
      return fmt::format("no header '{}' in the response", capture.expression);
    case CaptureSource::regex: {
      std::vector<re2::StringPiece> groups(capture.regex->NumberOfCapturingGroups() + 1);
      if (!capture.regex->Match(response.body, 0, response.body.size(), re2::RE2::UNANCHORED,
                                groups.data(), static_cast<int>(groups.size())))
        return fmt::format("regex \"{}\" does not match the body", capture.expression);
      // RE2 leaves a group that took no part in the match (as in "(a)?b") without data.
      if (groups[capture.group].data() == nullptr) {
        return fmt::format("regex \"{}\" matches, but group {} takes no part in the match",
                           capture.expression, capture.group);
      }
      out = std::string(groups[capture.group].data(), groups[capture.group].size());
      return std::nullopt;
    }
    case CaptureSource::json: {
      if (!view.is_json())
        return "the body is not JSON: " + view.json_error();
      if (capture.path->is_singular()) {
        std::optional<SelectedNode> selected = view.select_singular(*capture.path, false);
        if (!selected)
          return fmt::format("{} selects nothing in the body", capture.expression);
        out = std::move(selected->value);
        return std::nullopt;
      }
      // A non-singular query yields a list, and an empty list means it found nothing too.
      auto value = select_value(*capture.path, *view.json());
      if (!value || (value->is_array() && value->empty() && !capture.path->is_singular()))
        return fmt::format("{} selects nothing in the body", capture.expression);
      out = std::move(*value);
      return std::nullopt;
    }
  }
  return "unknown capture source";
}

std::string first_failure(const StepResult& step) {
  if (step.outcome == Outcome::error)
    return fmt::format("{}: {}", step.name, step.error);
  for (const AssertionResult& assertion : step.assertions) {
    if (!assertion.passed) {
      // Keep the operator: "expected not ..." or "expected ge 200" must not read as equality.
      std::string expected = assertion.op.empty() || assertion.op == "eq"
                                 ? assertion.expected
                                 : assertion.op + " " + assertion.expected;
      return fmt::format("{}: {}: expected {}, actual {}", step.name, assertion.subject, expected,
                         assertion.actual);
    }
  }
  return step.name + ": failed";
}

}  // namespace

Executor::Executor(const Site& site, const RunOptions& options, HttpClient& client,
                   Redactor& redactor, RunObserver& observer)
    : site_(site),
      options_(options),
      client_(client),
      redactor_(redactor),
      observer_(observer),
      waiter_(options.waiter != nullptr ? *options.waiter : system_waiter_),
      run_scope_(&site_scope_),
      tokens_(site, run_scope_, client, redactor) {
  site_scope_.set("base_url", Binding{site.base_url.value, true, false, site.base_url.location,
                                      site.base_url.origins});
  site_scope_.set("admin_base_url",
                  Binding{site.admin_base_url.value, true, false, site.admin_base_url.location,
                          site.admin_base_url.origins});
  site_scope_.set(
      "tenant", Binding{site.tenant.value, true, false, site.tenant.location, site.tenant.origins});
  site_scope_.set("site", Binding{site.name, false, false, {}, {}});
  add_variables(site_scope_, site.variables);
  for (const Secret& secret : site.secrets) {
    site_scope_.set(secret.name, Binding{secret.value, false, true, {}, {}});
    redactor_.add(secret.value);
  }
  // Values that make names unique per run, so runs never collide on fixed ids.
  site_scope_.set("run_id", Binding{random_hex(12), false, false, {}, {}});
  site_scope_.set("run_timestamp", Binding{utc_time("%Y%m%dT%H%M%SZ"), false, false, {}, {}});
  add_cli_variables(run_scope_, options);
}

bool Executor::stopped() const {
  if (options_.interrupt != nullptr && options_.interrupt->load())
    return true;
  return options_.deadline && SteadyClock::now() >= *options_.deadline;
}

std::string Executor::stop_reason() const {
  if (options_.interrupt != nullptr && options_.interrupt->load())
    return "the run was interrupted";
  return "the run's --max-time was reached";
}

SuiteResult Executor::start_suite(const Suite& suite) {
  SuiteResult result;
  result.name = suite.name;
  result.file = suite.file;
  result.timestamp = utc_time("%Y-%m-%dT%H:%M:%S");
  result.hostname = host_name();
  result.properties = {{"site", site_.name},
                       {"tenant", expand_text(site_.tenant, run_scope_).value_or("")},
                       {"tool_version", PROBE_VERSION},
                       {"suite_file", suite.file}};
  result.tests.resize(suite.tests.size());
  return result;
}

std::unique_ptr<Scope> Executor::suite_scope(const Suite& suite, Scope& holder) {
  // Precedence, innermost first: captures, --var, suite variables, site variables.
  add_variables(holder, suite.variables);
  auto cli_scope = std::make_unique<Scope>(&holder);
  add_cli_variables(*cli_scope, options_);
  return cli_scope;
}

SuiteResult Executor::run_suite(const Suite& suite) {
  SuiteResult result = start_suite(suite);
  observer_.suite_started(suite);
  Scope variables(&site_scope_);
  auto scope = suite_scope(suite, variables);

  auto start = SteadyClock::now();
  ClientLease lease(client_);
  for (size_t i = 0; i < suite.tests.size(); ++i) {
    result.tests[i] = run_test(suite, suite.tests[i], *scope, lease, true);
    observer_.test_finished(result.tests[i]);
  }
  result.seconds = seconds_since(start);
  return result;
}

std::vector<SuiteResult> Executor::run(const std::vector<Suite>& suites) {
  std::vector<SuiteResult> results;
  if (options_.jobs <= 1 || !options_.client_factory) {
    for (const Suite& suite : suites)
      results.push_back(run_suite(suite));
    return results;
  }

  // Work items: a whole suite, whose tests run in file order because they may share state, or
  // a single test of a suite marked `parallel: true`.
  struct Task {
    size_t suite;
    size_t first_test;
    size_t end_test;
  };
  std::vector<Task> tasks;
  std::vector<std::unique_ptr<Scope>> variable_scopes;
  std::vector<std::unique_ptr<Scope>> scopes;
  for (size_t i = 0; i < suites.size(); ++i) {
    results.push_back(start_suite(suites[i]));
    variable_scopes.push_back(std::make_unique<Scope>(&site_scope_));
    scopes.push_back(suite_scope(suites[i], *variable_scopes.back()));
    if (suites[i].parallel) {
      for (size_t t = 0; t < suites[i].tests.size(); ++t)
        tasks.push_back({i, t, t + 1});
    } else {
      tasks.push_back({i, 0, suites[i].tests.size()});
    }
  }

  std::mutex report_mutex;
  auto run_task = [&](size_t index, ClientLease& lease) {
    const Task& task = tasks[index];
    const Suite& suite = suites[task.suite];
    for (size_t t = task.first_test; t < task.end_test; ++t) {
      auto start = SteadyClock::now();
      TestResult test = run_test(suite, suite.tests[t], *scopes[task.suite], lease, false);
      std::lock_guard lock(report_mutex);
      // Progress lines of concurrent tests must not interleave: each test reports at its end.
      observer_.suite_started(suite);
      for (const StepResult& step : test.steps)
        observer_.step_finished(step);
      observer_.test_finished(test);
      results[task.suite].seconds += seconds_since(start);
      results[task.suite].tests[t] = std::move(test);
    }
  };

  std::vector<std::unique_ptr<HttpClient>> clients;
  size_t count = std::min<size_t>(static_cast<size_t>(options_.jobs), tasks.size());
  for (size_t i = 0; i < count; ++i)
    clients.push_back(options_.client_factory());
  TaskPool pool(std::move(clients), tasks.size(), run_task);
  std::unique_ptr<PollLoop> loop;
  if (options_.poll_loop_factory)
    loop = options_.poll_loop_factory(pool);
  poll_loop_ = loop.get();
  pool.run();
  poll_loop_ = nullptr;
  return results;
}

TestResult Executor::run_test(const Suite& suite, const TestSpec& test, const Scope& suite_scope,
                              ClientLease& lease, bool live_progress) {
  TestResult result;
  result.name = test.name;
  result.tags = suite.tags;
  result.tags.insert(result.tags.end(), test.tags.begin(), test.tags.end());
  result.location = test.location;
  if (test.skip) {
    result.outcome = Outcome::skipped;
    result.message = *test.skip;
    return result;
  }
  if (stopped()) {
    result.outcome = Outcome::skipped;
    result.message = "not run: " + stop_reason();
    return result;
  }

  auto start = SteadyClock::now();
  Scope scope(&suite_scope);
  scope.set("random", Binding{random_hex(8), false, false, {}, {}});
  add_variables(scope, test.variables);  // a data row's values
  run_steps(suite, test.steps, scope, lease, false, live_progress, result);
  run_steps(suite, test.cleanup, scope, lease, true, live_progress, result);
  result.seconds = seconds_since(start);
  return result;
}

void Executor::run_steps(const Suite& suite, const std::vector<StepSpec>& steps, Scope& scope,
                         ClientLease& lease, bool cleanup, bool live_progress, TestResult& result) {
  for (const StepSpec& step : steps) {
    // Every cleanup step runs; ordinary steps stop at the first that does not pass.
    if (!cleanup && result.outcome != Outcome::passed)
      break;
    if (step.include) {
      run_include(suite, step, scope, lease, cleanup, live_progress, result);
      continue;
    }
    result.steps.push_back(run_step(suite, step, scope, lease, cleanup));
    StepResult& done = result.steps.back();
    done.cleanup = cleanup;
    if (live_progress)
      observer_.step_finished(done);
    if (cleanup) {
      if (done.outcome == Outcome::failed || done.outcome == Outcome::error)
        result.cleanup_failed = true;
    } else if (done.outcome != Outcome::passed) {
      result.outcome = done.outcome;
      result.message = first_failure(done);
    }
  }
}

void Executor::run_include(const Suite& suite, const StepSpec& step, Scope& caller,
                           ClientLease& lease, bool cleanup, bool live_progress,
                           TestResult& result) {
  const IncludeSpec& include = *step.include;
  // The fragment sees its parameters, --var and the site, and the test's ${random}; not the
  // suite's variables or the caller's captures unless they are passed in with `with:`.
  Scope fragment(&run_scope_);
  if (const Binding* random = caller.find("random"))
    fragment.set("random", *random);
  auto arguments = expand(include.arguments, caller);
  auto defaults = arguments ? expand(include.defaults, fragment) : arguments;
  if (!arguments || !defaults) {
    const Diagnostic& problem = arguments ? defaults.error() : arguments.error();
    StepResult failed;
    failed.name = step.name;
    failed.cleanup = cleanup;
    failed.location = step.location;
    failed.outcome = Outcome::error;
    failed.error = format_location(problem.location) + ": " + problem.message;
    result.steps.push_back(std::move(failed));
    if (live_progress)
      observer_.step_finished(result.steps.back());
    if (cleanup) {
      result.cleanup_failed = true;
    } else {
      result.outcome = Outcome::error;
      result.message = result.steps.back().error;
    }
    return;
  }
  for (const std::string& parameter : include.parameters) {
    const json* value =
        arguments->is_object() && arguments->contains(parameter) ? &(*arguments)[parameter]
        : defaults->is_object() && defaults->contains(parameter) ? &(*defaults)[parameter]
                                                                 : nullptr;
    if (value != nullptr)
      fragment.set(parameter, Binding{*value, false, false, include.location, {}});
  }

  run_steps(suite, include.steps, fragment, lease, cleanup, live_progress, result);
  for (const auto& [caller_name, fragment_name] : include.captures) {
    if (const Binding* captured = fragment.find(fragment_name))
      caller.set(caller_name, *captured);
  }
}

std::expected<HttpResponse, StepError> Executor::send(HttpClient& client,
                                                      const HttpRequest& prepared, AuthKind auth,
                                                      bool cleanup) {
  bool cut_by_limit = false;
  auto request = outgoing(prepared, auth, cleanup, cut_by_limit);
  if (!request)
    return std::unexpected(std::move(request.error()));
  return received(client.send(*request), cleanup, cut_by_limit);
}

std::expected<HttpRequest, StepError> Executor::outgoing(const HttpRequest& prepared, AuthKind auth,
                                                         bool cleanup, bool& cut_by_limit,
                                                         bool wait_for_token) {
  HttpRequest request = prepared;
  if (auth == AuthKind::user || auth == AuthKind::service) {
    // Built in one step. Assigning the std::expected into an empty optional, built with GCC 12,
    // left its error string freed (valgrind on Executor.FailedLoginSentOnce).
    std::optional<std::expected<HeaderList, std::string>> headers =
        wait_for_token ? std::optional(tokens_.headers(auth)) : tokens_.ready_headers(auth);
    if (!headers)
      return std::unexpected(StepError{"", false, true});
    if (!*headers)
      return std::unexpected(StepError{headers->error(), false});
    request.headers.insert(request.headers.end(), (*headers)->begin(), (*headers)->end());
  }

  // A cleanup step still runs after an interruption, within the grace period.
  request.abort = cleanup ? options_.hard_stop : options_.interrupt;
  auto limit = cleanup ? cleanup_deadline() : options_.deadline;
  cut_by_limit = false;
  if (limit) {
    double left = std::chrono::duration<double>(*limit - SteadyClock::now()).count();
    if (left <= 0)
      return std::unexpected(StepError{limit_reason(cleanup), true});
    cut_by_limit = left < request.timeout_seconds;
    request.timeout_seconds = std::min(request.timeout_seconds, left);
  }
  return request;
}

std::expected<HttpResponse, StepError> Executor::received(
    std::expected<HttpResponse, HttpError> response, bool cleanup, bool cut_by_limit) {
  if (!response && cut_by_limit && response.error().kind == HttpErrorKind::timeout)
    return std::unexpected(StepError{limit_reason(cleanup), true});
  if (!response) {
    bool interrupted = response.error().kind == HttpErrorKind::interrupted;
    return std::unexpected(
        StepError{interrupted ? stop_reason() : response.error().message, interrupted});
  }
  return std::move(*response);
}

std::string Executor::limit_reason(bool cleanup) const {
  return cleanup ? "the cleanup grace period ran out" : stop_reason();
}

std::optional<std::chrono::steady_clock::time_point> Executor::cleanup_deadline() {
  if (options_.interrupt == nullptr || !options_.interrupt->load())
    return options_.deadline_with_grace();
  std::lock_guard lock(grace_mutex_);
  if (!grace_deadline_) {
    grace_deadline_ =
        SteadyClock::now() + std::chrono::duration_cast<SteadyClock::duration>(
                                 std::chrono::duration<double>(options_.cleanup_grace_seconds));
  }
  return grace_deadline_;
}

AssertionResult Executor::checked_assertion(const AssertionSpec& assertion, const json& expected,
                                            const ResponseView& view) {
  AssertionResult checked = evaluate(assertion, expected, view);
  checked.expected = redactor_.mask_excerpt(checked.expected, kValueExcerptBytes);
  checked.actual = redactor_.mask_excerpt(checked.actual, kValueExcerptBytes);
  return checked;
}

bool Executor::all_hold(const std::vector<AssertionSpec>& assertions, const ResponseView& view,
                        const Scope& scope, std::vector<AssertionResult>* results) {
  bool holds = true;
  for (const AssertionSpec& assertion : assertions) {
    auto expected = expand(assertion.expected, scope);
    AssertionResult checked;
    if (expected) {
      checked = checked_assertion(assertion, *expected, view);
    } else {
      checked.subject = "variable";
      checked.actual = expected.error().message;
      checked.location = expected.error().location;
    }
    holds = holds && checked.passed;
    if (results != nullptr)
      results->push_back(std::move(checked));
  }
  return holds;
}

std::optional<HttpResponse> Executor::poll(ClientLease& lease, const StepSpec& spec,
                                           const HttpRequest& request, AuthKind auth, bool cleanup,
                                           Scope& scope, StepResult& step) {
  const PollSpec& poll = *spec.poll;
  std::optional<HttpResponse> last;
  std::string last_error;
  bool interrupted = false;
  std::vector<AssertionResult> last_until;
  std::vector<AssertionResult> last_fail_when;

  auto judge = [&](int attempt, std::expected<HttpResponse, StepError> response) {
    if (!response) {
      last_error = response.error().message;
      interrupted = response.error().interrupted;
      if (attempt <= kMaxLoggedAttempts)
        step.log.push_back(fmt::format("  attempt {}: {}", attempt, last_error));
      // An interruption or a failed login ends the poll; a refused connection is retried.
      if (interrupted)
        return AttemptVerdict::failed;
      return AttemptVerdict::pending;
    }
    last = std::move(*response);
    last_error.clear();
    ResponseView view(*last);
    register_response_tokens(view, redactor_);
    last_until.clear();
    last_fail_when.clear();
    bool failed = !poll.fail_when.empty() && all_hold(poll.fail_when, view, scope, &last_fail_when);
    bool satisfied = !failed && all_hold(poll.until, view, scope, &last_until);
    if (attempt <= kMaxLoggedAttempts) {
      step.log.push_back(fmt::format("  attempt {}: HTTP {}{}", attempt, last->status,
                                     failed      ? ", fail condition met"
                                     : satisfied ? ", condition met"
                                                 : ""));
    }
    if (failed)
      return AttemptVerdict::failed;
    return satisfied ? AttemptVerdict::satisfied : AttemptVerdict::pending;
  };

  PollOutcome outcome;
  if (poll_loop_ != nullptr) {
    // The loop sends the attempts and judges them on its own thread. This thread gives its
    // client back and sleeps until the poll ends.
    bool cut_by_limit = false;
    LoopPoll attempts;
    attempts.policy = poll.policy;
    attempts.stop = cleanup ? options_.hard_stop : options_.interrupt;
    attempts.deadline = [this, cleanup] {
      return cleanup ? cleanup_deadline() : options_.deadline;
    };
    attempts.prepare = [&](int attempt) -> std::expected<HttpRequest, NotSent> {
      auto ready = outgoing(request, auth, cleanup, cut_by_limit, false);
      if (ready)
        return std::move(*ready);
      if (ready.error().token_pending)
        return std::unexpected(NotSent{});
      return std::unexpected(NotSent{judge(attempt, std::unexpected(std::move(ready.error())))});
    };
    // A token is minted on this test's thread, so the loop goes on sending other polls meanwhile.
    attempts.slow_work = [&] { (void)tokens_.headers(auth); };
    attempts.judge = [&](int attempt, std::expected<HttpResponse, HttpError> result) {
      return judge(attempt, received(std::move(result), cleanup, cut_by_limit));
    };
    lease.release();
    outcome = poll_loop_->run(attempts);
    lease.reacquire();
  } else {
    LeaseWaiter lease_waiter(waiter_, lease);
    DeadlineWaiter deadline_waiter(lease_waiter, options_.deadline);
    CleanupWaiter cleanup_waiter(lease_waiter, options_.interrupt, options_.hard_stop,
                                 [this] { return cleanup_deadline(); });
    Waiter& waiter = cleanup ? static_cast<Waiter&>(cleanup_waiter) : deadline_waiter;
    outcome = run_poll(poll.policy, waiter, [&](int attempt) {
      return judge(attempt, send(lease.client(), request, auth, cleanup));
    });
  }
  if (interrupted)
    outcome.stop = PollStop::interrupted;

  step.details.push_back({"poll", describe(outcome)});
  step.details.push_back({"poll attempts", std::to_string(outcome.attempts)});
  step.details.push_back({"poll seconds", fmt::format("{:.3f}", outcome.seconds)});
  if (outcome.attempts > kMaxLoggedAttempts)
    step.log.push_back(fmt::format("  ... {} attempts in all", outcome.attempts));

  if (outcome.stop == PollStop::interrupted || (!last && !last_error.empty())) {
    step.outcome = Outcome::error;
    // A cleanup poll stops at the second signal or when its grace period runs out.
    const bool hard_stopped = options_.hard_stop != nullptr && options_.hard_stop->load();
    const std::string reason = cleanup && !hard_stopped ? limit_reason(true) : stop_reason();
    step.error =
        outcome.stop == PollStop::interrupted
            ? reason
            : fmt::format("poll {}; the last attempt failed: {}", describe(outcome), last_error);
    return last;
  }
  if (outcome.stop == PollStop::satisfied)
    return last;

  // The poll ended without its condition: report why, with the values that decided it.
  AssertionResult verdict;
  verdict.subject = "poll";
  verdict.op = "until";
  verdict.location = poll.location;
  const auto& deciding = outcome.stop == PollStop::failed ? last_fail_when : last_until;
  std::vector<std::string> expected;
  std::vector<std::string> actual;
  for (const AssertionResult& result : deciding) {
    expected.push_back(fmt::format("{} {} {}", result.subject, result.op, result.expected));
    actual.push_back(fmt::format("{} {}", result.subject, result.actual));
  }
  verdict.expected = fmt::format("{}", fmt::join(expected, ", "));
  verdict.actual =
      fmt::format("{}; last response: HTTP {}{}{}", describe(outcome), last ? last->status : 0,
                  actual.empty() ? "" : ", ", fmt::join(actual, ", "));
  if (!last_error.empty())
    verdict.actual += "; last attempt failed: " + last_error;
  if (outcome.stop == PollStop::failed)
    verdict.op = "not";
  step.assertions.push_back(std::move(verdict));
  step.outcome = Outcome::failed;
  return last;
}

StepResult Executor::run_step(const Suite& suite, const StepSpec& spec, Scope& scope,
                              ClientLease& lease, bool cleanup) {
  StepResult step;
  step.name = spec.name;
  step.location = spec.location;
  auto fail = [&step](std::string message) {
    step.outcome = Outcome::error;
    step.error = std::move(message);
    return step;
  };
  if (!cleanup && stopped())
    return fail(stop_reason());

  auto built = build_request(spec.request, suite.defaults, site_, scope);
  if (!built) {
    // A cleanup step for a resource that was never created has nothing to delete.
    if (cleanup && built.error().message.starts_with("undefined variable")) {
      step.outcome = Outcome::skipped;
      step.error = "not run: " + built.error().message;
      return step;
    }
    return fail(format_location(built.error().location) + ": " + built.error().message);
  }
  HttpRequest request = std::move(*built);
  step.request_line = request_line(request);

  AuthKind auth =
      spec.request.auth.kind == AuthKind::inherit ? suite.defaults.auth : spec.request.auth.kind;
  if (auth == AuthKind::basic) {
    auto username = expand_text(spec.request.auth.username, scope);
    auto password = expand_text(spec.request.auth.password, scope);
    if (!username)
      return fail(format_location(username.error().location) + ": " + username.error().message);
    if (!password)
      return fail(format_location(password.error().location) + ": " + password.error().message);
    redactor_.add_basic_credentials(*username, *password);
    request.basic_auth = {*username, *password};
  }
  log_request(step, request);

  auto start = SteadyClock::now();
  std::optional<HttpResponse> response;
  if (spec.poll) {
    response = poll(lease, spec, request, auth, cleanup, scope, step);
    step.seconds = seconds_since(start);
    if (step.outcome == Outcome::error || !response)
      return step;
  } else {
    auto sent = send(lease.client(), request, auth, cleanup);
    step.seconds = seconds_since(start);
    if (!sent) {
      step.log.push_back("! " + sent.error().message);
      return fail(sent.error().message);
    }
    response = std::move(*sent);
  }

  check_response(spec, *response, scope, step);
  return step;
}

void Executor::check_response(const StepSpec& spec, const HttpResponse& response, Scope& scope,
                              StepResult& step) {
  step.status = response.status;
  ResponseView view(response);
  register_response_tokens(view, redactor_);
  log_response(step, response);

  for (const AssertionSpec& assertion : spec.assertions) {
    auto expected = expand(assertion.expected, scope);
    if (!expected) {
      step.outcome = Outcome::error;
      step.error = format_location(expected.error().location) + ": " + expected.error().message;
      return;
    }
    step.assertions.push_back(checked_assertion(assertion, *expected, view));
    const AssertionResult& checked = step.assertions.back();
    step.log.push_back(fmt::format("{} {} {} {}, actual {}", checked.passed ? "ok" : "FAILED",
                                   checked.subject, checked.op, checked.expected, checked.actual));
    if (!checked.passed)
      step.outcome = Outcome::failed;
  }

  std::vector<std::string> capture_errors;
  for (const CaptureSpec& capture : spec.captures) {
    json value;
    if (auto problem = capture_value(capture, view, value)) {
      capture_errors.push_back(fmt::format("capture '{}': {}", capture.name, *problem));
      continue;
    }
    if (capture.secret)
      redactor_.add(value.is_string() ? value.get<std::string>() : value.dump());
    step.log.push_back(
        fmt::format("captured {} = {}", capture.name,
                    capture.secret ? std::string(kMask)
                                   : redactor_.mask_excerpt(render(value), kValueExcerptBytes)));
    scope.set(capture.name, Binding{std::move(value), false, capture.secret, capture.location, {}});
  }
  for (const std::string& problem : capture_errors)
    step.log.push_back("! " + problem);

  if (step.outcome == Outcome::passed && !capture_errors.empty()) {
    step.outcome = Outcome::error;
    step.error = capture_errors.front();
  }
  if (step.outcome != Outcome::passed)
    log_body_excerpt(step, response, redactor_);
}

}  // namespace probe
