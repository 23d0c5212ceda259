// The suite model: what a suite file describes, checked and ready to run.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "json_path.h"
#include "poller.h"
#include "result.h"
#include "template.h"

namespace re2 {
class RE2;
}

namespace probe {

// Which credentials a request carries.
enum class AuthKind {
  inherit,  // the suite's default
  none,
  user,     // X-Tapis-Token from the site's password grant
  service,  // X-Tapis-Token from the site's service account, with X-Tapis-User/X-Tapis-Tenant
  basic,    // HTTP basic auth with the given username and password
};

struct AuthSpec {
  AuthKind kind = AuthKind::inherit;
  Template username;  // basic only
  Template password;  // basic only
};

struct MultipartSpec {
  Template name;
  Template value;
  Template file;                          // path of a file to stream
  std::optional<uint64_t> generate_size;  // generated data: size in bytes and seed
  uint64_t generate_seed = 0;
  Template filename;
  Template content_type;
  SourceLocation location;
};

struct RequestSpec {
  Template method;   // text; GET when absent
  Template url;      // absolute, or a path starting with '/' resolved against the site's base_url
  Template query;    // mapping of name to value, or empty
  Template headers;  // mapping of name to value, or empty
  Template json;     // body sent as JSON
  Template form;     // body sent as application/x-www-form-urlencoded
  Template body;     // raw body text
  std::vector<MultipartSpec> multipart;
  Template download;  // path the body is streamed to instead of memory
  bool has_json = false;
  std::optional<double> timeout_seconds;
  std::optional<bool> follow_redirects;
  std::optional<long long> max_redirects;
  AuthSpec auth;
  SourceLocation location;
};

enum class CaptureSource { json, header, regex, status, body, sha256, size };

struct CaptureSpec {
  std::string name;
  CaptureSource source = CaptureSource::json;
  std::string expression;  // JSONPath text, header name or regex pattern
  std::optional<JsonPath> path;
  std::shared_ptr<const re2::RE2> regex;
  int group = 1;
  bool secret = false;
  SourceLocation location;
};

// sha256 and size are of the decoded body (or of the downloaded file).
enum class Subject { status, header, json, body, duration, sha256, size };

struct AssertionSpec {
  Subject subject = Subject::status;
  std::string target;  // header name or JSONPath text
  std::optional<JsonPath> path;
  bool on_length = false;  // the operator applies to the length of the subject
  std::string op;          // eq ne lt le gt ge in contains matches exists type length
  Template expected;
  std::shared_ptr<const re2::RE2> regex;  // for `matches` with a literal pattern
  SourceLocation location;
};

// Repeats a step's request until every `until` assertion holds. When every `fail_when`
// assertion holds the poll stops at once as a failure. The step's own assertions and captures
// apply to the last response.
struct PollSpec {
  PollPolicy policy;
  std::vector<AssertionSpec> until;
  std::vector<AssertionSpec> fail_when;
  SourceLocation location;
};

struct IncludeSpec;

struct StepSpec {
  std::string name;
  RequestSpec request;
  std::vector<CaptureSpec> captures;
  std::vector<AssertionSpec> assertions;
  std::optional<PollSpec> poll;
  // Set for an `include:` step, which runs a fragment's steps in place of a request.
  std::shared_ptr<const IncludeSpec> include;
  SourceLocation location;
};

// Steps from a fragment file. They see only their parameters, the site's and --var variables
// and the built-ins; the caller gets back only the captures it names.
struct IncludeSpec {
  std::string file;  // the fragment file, as the include names it, resolved against the suite
  std::vector<std::string> parameters;  // every parameter the fragment declares
  Template defaults;                    // mapping of parameter to default value
  Template arguments;                   // the include's `with:`, expanded in the caller's scope
  std::vector<StepSpec> steps;
  // Caller variable name, then the fragment capture it receives.
  std::vector<std::pair<std::string, std::string>> captures;
  SourceLocation location;  // the include step in the caller
};

struct TestSpec {
  std::string name;
  std::vector<std::string> tags;
  std::optional<std::string> skip;
  std::vector<StepSpec> steps;
  // Run after the steps whatever happened, also after an interruption (within a grace period).
  std::vector<StepSpec> cleanup;
  // Values of one data row (`rows:`), visible to the test's steps like suite variables but
  // winning over them and over --var; empty for a test without rows.
  Template variables;
  SourceLocation location;
};

struct Defaults {
  AuthKind auth = AuthKind::none;
  std::optional<double> timeout_seconds;
  bool follow_redirects = true;
  long long max_redirects = 10;
  Template headers;
};

struct Suite {
  std::string name;
  std::string description;
  std::string file;
  std::vector<std::string> tags;
  Template variables;  // mapping of name to value, or empty
  Defaults defaults;
  // Tests run in file order and may share state. With `parallel: true` they are independent
  // and may run at the same time under --jobs.
  bool parallel = false;
  std::vector<TestSpec> tests;
  // The file is not a suite but one that suites use: an include fragment (it has a top-level
  // `fragment:` key, and loading it checks it) or a YAML rows file (a top-level list). It has
  // no tests and is never run by itself, so a folder may hold it next to its suites.
  bool support_file = false;
};

constexpr double kDefaultStepTimeoutSeconds = 30;

}  // namespace probe
