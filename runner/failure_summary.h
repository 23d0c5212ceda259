// Failure and error facts of a test, gathered from its steps the same way for every report format.
#pragma once

#include <initializer_list>
#include <string>
#include <vector>

#include "result.h"

namespace probe {

// One assertion that did not hold, with the step it belongs to.
struct FailedAssertion {
  const StepResult* step = nullptr;
  const AssertionResult* assertion = nullptr;
  std::string location;  // "file:line:col" of the assertion, else of its step, else of the test
};

// Returns "file:line:col", "file:line" or "file" as far as `location` is known, and an
// empty string when the file is unknown.
std::string location_text(const SourceLocation& location);

// Returns the location text of the first of `candidates` whose file is known.
std::string first_known_location(std::initializer_list<const SourceLocation*> candidates);

// Returns "SUBJECT OP EXPECTED", such as "status eq 201" or "json $.result exists".
std::string describe_assertion(const AssertionResult& assertion);

// Returns every failed assertion of `test`, in step order, leaving out cleanup steps.
std::vector<FailedAssertion> failed_assertions(const TestResult& test);

// Returns one line for each failed assertion or error of the test's cleanup steps.
std::vector<std::string> cleanup_problems(const TestResult& test);

// Returns the first step, not counting cleanup steps, whose outcome is failed or error, or nullptr.
const StepResult* first_unsuccessful_step(const TestResult& test);

// Returns the one-line reason for the test's outcome: its message when set, otherwise one
// built from the first failed assertion or step error. Empty for a passed test.
std::string outcome_message(const TestResult& test);

}  // namespace probe
