// The result tree: what a run produced, independent of any report format.
// The executor builds it; reporters only read it.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace probe {

// A position in a suite or site file; line and column are 1-based, 0 when unknown.
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;
};

// Passed and skipped need no explanation. Failed means an assertion did not hold.
// Error means something kept the check from running: a refused connection, a
// timeout, an undefined variable, a capture that found nothing.
enum class Outcome { passed, failed, error, skipped };

const char* to_string(Outcome outcome);

struct AssertionResult {
  std::string subject;   // "status", "header Content-Type", "json $.result", "body", "duration"
  std::string op;        // "eq", "in", "exists", ...
  std::string expected;  // rendered as the suite author wrote it (JSON for values)
  std::string actual;    // rendered the same way; "(missing)" when the subject is absent
  bool passed = false;
  SourceLocation location;
};

// A name and a value shown as metadata (JUnit properties, TAP diagnostics).
using Property = std::pair<std::string, std::string>;

struct StepResult {
  std::string name;
  bool cleanup = false;  // a cleanup step: its outcome does not change the test's verdict
  Outcome outcome = Outcome::passed;
  std::string request_line;  // "GET https://host/v3/actors"
  int status = 0;            // HTTP status of the last response; 0 when none arrived
  double seconds = 0;
  std::vector<AssertionResult> assertions;
  std::string error;              // why the step could not run, when outcome is error
  std::vector<Property> details;  // extra facts: poll attempts, elapsed time, ...
  std::vector<std::string> log;   // request and response lines, secrets already masked
  SourceLocation location;
};

struct TestResult {
  std::string name;
  std::vector<std::string> tags;
  Outcome outcome = Outcome::passed;
  std::string message;  // first failure or error in one line, or the skip reason
  double seconds = 0;
  std::vector<StepResult> steps;  // the test's steps, then its cleanup steps
  bool cleanup_failed = false;    // a cleanup step failed or errored
  SourceLocation location;
};

struct SuiteResult {
  std::string name;
  std::string file;
  std::string timestamp;  // start, ISO 8601 UTC without fraction: 2026-12-04T16:25:52
  std::string hostname;
  double seconds = 0;
  std::vector<Property> properties;  // site, tenant, tool version, suite file
  std::vector<TestResult> tests;
};

struct Counts {
  int tests = 0;
  int passed = 0;
  int failed = 0;
  int errors = 0;
  int skipped = 0;
  int cleanup_failures = 0;  // tests whose cleanup failed, whatever their own outcome
};

struct RunResult {
  std::string tool_version;
  std::string started;  // ISO 8601 UTC
  double seconds = 0;
  bool interrupted = false;
  std::vector<SuiteResult> suites;
};

Counts count(const SuiteResult& suite);
Counts count(const RunResult& run);

}  // namespace probe
