#include "result.h"

namespace probe {

const char* to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::passed:
      return "passed";
    case Outcome::failed:
      return "failed";
    case Outcome::error:
      return "error";
    case Outcome::skipped:
      return "skipped";
  }
  return "unknown";
}

namespace {

void add(Counts& counts, Outcome outcome) {
  ++counts.tests;
  switch (outcome) {
    case Outcome::passed:
      ++counts.passed;
      break;
    case Outcome::failed:
      ++counts.failed;
      break;
    case Outcome::error:
      ++counts.errors;
      break;
    case Outcome::skipped:
      ++counts.skipped;
      break;
  }
}

}  // namespace

Counts count(const SuiteResult& suite) {
  Counts counts;
  for (const TestResult& test : suite.tests) {
    add(counts, test.outcome);
    if (test.cleanup_failed)
      ++counts.cleanup_failures;
  }
  return counts;
}

Counts count(const RunResult& run) {
  Counts counts;
  for (const SuiteResult& suite : run.suites) {
    Counts suite_counts = count(suite);
    counts.tests += suite_counts.tests;
    counts.passed += suite_counts.passed;
    counts.failed += suite_counts.failed;
    counts.errors += suite_counts.errors;
    counts.skipped += suite_counts.skipped;
    counts.cleanup_failures += suite_counts.cleanup_failures;
  }
  return counts;
}

}  // namespace probe
