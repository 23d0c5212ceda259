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
  for (const TestResult& test : suite.tests) add(counts, test.outcome);
  return counts;
}

Counts count(const RunResult& run) {
  Counts counts;
  for (const SuiteResult& suite : run.suites) {
    for (const TestResult& test : suite.tests) add(counts, test.outcome);
  }
  return counts;
}

}  // namespace probe
