#include "failure_summary.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "diagnostic.h"

namespace probe {

std::string location_text(const SourceLocation& location) {
  return format_location(location);
}

std::string first_known_location(std::initializer_list<const SourceLocation*> candidates) {
  for (const SourceLocation* candidate : candidates) {
    if (candidate != nullptr && !candidate->file.empty())
      return location_text(*candidate);
  }
  return "";
}

std::string describe_assertion(const AssertionResult& assertion) {
  std::string text = assertion.subject;
  for (const std::string* part : {&assertion.op, &assertion.expected}) {
    if (part->empty())
      continue;
    if (!text.empty())
      text += ' ';
    text += *part;
  }
  return text;
}

std::vector<FailedAssertion> failed_assertions(const TestResult& test) {
  std::vector<FailedAssertion> failed;
  for (const StepResult& step : test.steps) {
    if (step.cleanup)
      continue;
    for (const AssertionResult& assertion : step.assertions) {
      if (assertion.passed)
        continue;
      failed.push_back(
          {&step, &assertion,
           first_known_location({&assertion.location, &step.location, &test.location})});
    }
  }
  return failed;
}

const StepResult* first_unsuccessful_step(const TestResult& test) {
  for (const StepResult& step : test.steps) {
    if (!step.cleanup && (step.outcome == Outcome::failed || step.outcome == Outcome::error))
      return &step;
  }
  return nullptr;
}

std::vector<std::string> cleanup_problems(const TestResult& test) {
  std::vector<std::string> problems;
  for (const StepResult& step : test.steps) {
    if (!step.cleanup)
      continue;
    if (step.outcome == Outcome::error)
      problems.push_back(fmt::format("cleanup step '{}' could not run: {}", step.name, step.error));
    for (const AssertionResult& assertion : step.assertions) {
      if (!assertion.passed) {
        problems.push_back(fmt::format("cleanup step '{}' failed: {}, actual {}", step.name,
                                       describe_assertion(assertion), assertion.actual));
      }
    }
  }
  return problems;
}

std::string outcome_message(const TestResult& test) {
  if (!test.message.empty() || test.outcome == Outcome::passed)
    return test.message;

  if (test.outcome == Outcome::failed) {
    const std::vector<FailedAssertion> failed = failed_assertions(test);
    if (!failed.empty()) {
      return fmt::format("{}: actual {}", describe_assertion(*failed.front().assertion),
                         failed.front().assertion->actual);
    }
  }

  const StepResult* step = first_unsuccessful_step(test);
  if (step != nullptr && !step->error.empty())
    return step->error;
  return fmt::format("test {}", to_string(test.outcome));
}

}  // namespace probe
