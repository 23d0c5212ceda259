#include "executor.h"

#include <unistd.h>

#include <ctime>

#include <fmt/format.h>
#include <re2/re2.h>

#include "assertion.h"
#include "request_builder.h"

namespace probe {

namespace {

using nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

// The part of a response body shown in the step log of a failed step.
constexpr size_t kBodyExcerptBytes = 2048;

double seconds_since(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

std::string utc_timestamp() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &utc);
  return buffer;
}

std::string host_name() {
  char buffer[256] = {};
  if (gethostname(buffer, sizeof buffer - 1) != 0) return "localhost";
  return buffer;
}

void add_variables(Scope& scope, const Template& variables) {
  if (!variables.value.is_object()) return;
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
  for (const auto& [name, value] : options.variables) scope.set(name, Binding{value, false, false, {}, {}});
}

// Registers as secrets the string values of token fields anywhere in a JSON response, so a
// token response never reaches a log or report even when the suite forgets to mark a capture.
void register_tokens(const json& value, Redactor& redactor, int depth = 0) {
  if (depth > 8) return;
  if (value.is_object()) {
    for (const auto& [key, item] : value.items()) {
      bool token_field = key == "access_token" || key == "refresh_token" || key == "password" ||
                         key == "client_key" || key == "token";
      if (token_field && item.is_string()) redactor.add(item.get<std::string>());
      register_tokens(item, redactor, depth + 1);
    }
  } else if (value.is_array()) {
    for (const json& item : value) register_tokens(item, redactor, depth + 1);
  }
}

std::string request_line(const HttpRequest& request) { return request.method + " " + request.url; }

void log_request(StepResult& step, const HttpRequest& request) {
  step.log.push_back("> " + request_line(request));
  for (const auto& [name, value] : request.headers) {
    step.log.push_back(fmt::format("> {}: {}", name, is_credential_header(name) ? std::string(kMask) : value));
  }
  if (request.basic_auth) step.log.push_back(fmt::format("> Authorization: Basic {}", kMask));
}

void log_response(StepResult& step, const HttpResponse& response) {
  step.log.push_back(fmt::format("< HTTP/{} {} ({:.0f} ms, {} bytes{})", response.http_version,
                                 response.status, response.seconds * 1000, response.body.size(),
                                 response.redirects > 0 ? fmt::format(", {} redirects", response.redirects) : ""));
  for (const auto& [name, value] : response.headers) {
    step.log.push_back(fmt::format("< {}: {}", name, is_credential_header(name) ? std::string(kMask) : value));
  }
}

void log_body_excerpt(StepResult& step, const HttpResponse& response) {
  if (response.body.empty()) return;
  std::string excerpt = response.body.substr(0, kBodyExcerptBytes);
  if (response.body.size() > kBodyExcerptBytes)
    excerpt += fmt::format("... ({} more bytes)", response.body.size() - kBodyExcerptBytes);
  step.log.push_back("< " + excerpt);
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
      out = std::string(groups[capture.group].data(), groups[capture.group].size());
      return std::nullopt;
    }
    case CaptureSource::json: {
      const json* root = view.json();
      if (root == nullptr) return "the body is not JSON: " + view.json_error();
      auto value = select_value(*capture.path, *root);
      if (!value) return fmt::format("{} selects nothing in the body", capture.expression);
      out = std::move(*value);
      return std::nullopt;
    }
  }
  return "unknown capture source";
}

std::string first_failure(const StepResult& step) {
  if (step.outcome == Outcome::error) return fmt::format("{}: {}", step.name, step.error);
  for (const AssertionResult& assertion : step.assertions) {
    if (!assertion.passed) {
      return fmt::format("{}: {}: expected {}, actual {}", step.name, assertion.subject,
                         assertion.expected, assertion.actual);
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
      run_scope_(&site_scope_),
      tokens_(site, run_scope_, client, redactor) {
  site_scope_.set("base_url", Binding{site.base_url.value, true, false, site.base_url.location, site.base_url.origins});
  site_scope_.set("admin_base_url", Binding{site.admin_base_url.value, true, false, site.admin_base_url.location, site.admin_base_url.origins});
  site_scope_.set("tenant", Binding{site.tenant.value, true, false, site.tenant.location, site.tenant.origins});
  site_scope_.set("site", Binding{site.name, false, false, {}, {}});
  add_variables(site_scope_, site.variables);
  for (const Secret& secret : site.secrets) {
    site_scope_.set(secret.name, Binding{secret.value, false, true, {}, {}});
    redactor_.add(secret.value);
  }
  add_cli_variables(run_scope_, options);
}

bool Executor::stopped() const {
  if (options_.interrupt != nullptr && options_.interrupt->load()) return true;
  return options_.deadline && SteadyClock::now() >= *options_.deadline;
}

std::string Executor::stop_reason() const {
  if (options_.interrupt != nullptr && options_.interrupt->load()) return "the run was interrupted";
  return "the run's --max-time was reached";
}

SuiteResult Executor::run_suite(const Suite& suite) {
  SuiteResult result;
  result.name = suite.name;
  result.file = suite.file;
  result.timestamp = utc_timestamp();
  result.hostname = host_name();
  result.properties = {{"site", site_.name},
                       {"tenant", expand_text(site_.tenant, run_scope_).value_or("")},
                       {"tool_version", PROBE_VERSION},
                       {"suite_file", suite.file}};
  observer_.suite_started(suite);

  // Precedence, innermost first: captures, --var, suite variables, site variables.
  Scope suite_scope(&site_scope_);
  add_variables(suite_scope, suite.variables);
  Scope cli_scope(&suite_scope);
  add_cli_variables(cli_scope, options_);

  auto start = SteadyClock::now();
  for (const TestSpec& test : suite.tests) {
    result.tests.push_back(run_test(suite, test, cli_scope));
    observer_.test_finished(result.tests.back());
  }
  result.seconds = seconds_since(start);
  return result;
}

TestResult Executor::run_test(const Suite& suite, const TestSpec& test, const Scope& suite_scope) {
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
  for (const StepSpec& step : test.steps) {
    if (result.outcome != Outcome::passed) break;
    result.steps.push_back(run_step(suite, step, scope));
    const StepResult& done = result.steps.back();
    observer_.step_finished(done);
    if (done.outcome != Outcome::passed) {
      result.outcome = done.outcome;
      result.message = first_failure(done);
    }
  }
  result.seconds = seconds_since(start);
  return result;
}

StepResult Executor::run_step(const Suite& suite, const StepSpec& spec, Scope& scope) {
  StepResult step;
  step.name = spec.name;
  step.location = spec.location;
  auto fail = [&step](std::string message) {
    step.outcome = Outcome::error;
    step.error = std::move(message);
    return step;
  };
  if (stopped()) return fail(stop_reason());

  auto built = build_request(spec.request, suite.defaults, site_, scope);
  if (!built) return fail(format_location(built.error().location) + ": " + built.error().message);
  HttpRequest request = std::move(*built);
  step.request_line = request_line(request);

  AuthKind auth = spec.request.auth.kind == AuthKind::inherit ? suite.defaults.auth : spec.request.auth.kind;
  if (auth == AuthKind::user || auth == AuthKind::service) {
    auto headers = tokens_.headers(auth);
    if (!headers) return fail(headers.error());
    request.headers.insert(request.headers.end(), headers->begin(), headers->end());
  } else if (auth == AuthKind::basic) {
    auto username = expand_text(spec.request.auth.username, scope);
    auto password = expand_text(spec.request.auth.password, scope);
    if (!username) return fail(username.error().message);
    if (!password) return fail(password.error().message);
    redactor_.add(*password);
    request.basic_auth = {*username, *password};
  }
  if (options_.deadline) {
    double left = std::chrono::duration<double>(*options_.deadline - SteadyClock::now()).count();
    request.timeout_seconds = std::max(0.001, std::min(request.timeout_seconds, left));
  }

  log_request(step, request);
  auto start = SteadyClock::now();
  auto response = client_.send(request);
  step.seconds = seconds_since(start);
  if (!response) {
    step.log.push_back("! " + response.error().message);
    return fail(response.error().kind == HttpErrorKind::interrupted ? stop_reason() : response.error().message);
  }

  step.status = response->status;
  ResponseView view(*response);
  if (const json* body = view.json()) register_tokens(*body, redactor_);
  log_response(step, *response);

  for (const AssertionSpec& assertion : spec.assertions) {
    auto expected = expand(assertion.expected, scope);
    if (!expected) {
      return fail(format_location(expected.error().location) + ": " + expected.error().message);
    }
    step.assertions.push_back(evaluate(assertion, *expected, view));
    const AssertionResult& checked = step.assertions.back();
    step.log.push_back(fmt::format("{} {}: expected {}, actual {}", checked.passed ? "ok" : "FAILED",
                                   checked.subject, checked.expected, checked.actual));
    if (!checked.passed) step.outcome = Outcome::failed;
  }

  std::vector<std::string> capture_errors;
  for (const CaptureSpec& capture : spec.captures) {
    json value;
    if (auto problem = capture_value(capture, view, value)) {
      capture_errors.push_back(fmt::format("capture '{}': {}", capture.name, *problem));
      continue;
    }
    if (capture.secret) redactor_.add(value.is_string() ? value.get<std::string>() : value.dump());
    step.log.push_back(fmt::format("captured {} = {}", capture.name, capture.secret ? std::string(kMask) : render(value)));
    scope.set(capture.name, Binding{std::move(value), false, capture.secret, capture.location, {}});
  }
  for (const std::string& problem : capture_errors) step.log.push_back("! " + problem);

  if (step.outcome == Outcome::passed && !capture_errors.empty()) {
    step.outcome = Outcome::error;
    step.error = capture_errors.front();
  }
  if (step.outcome != Outcome::passed) log_body_excerpt(step, *response);
  return step;
}

}  // namespace probe
