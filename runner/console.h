// Progress and summary on the terminal.
#pragma once

#include <cstdio>

#include "executor.h"

namespace probe {

enum class Verbosity { quiet, normal, verbose };

// Prints one line per test as it finishes, the failing assertions of failed tests, and, when
// verbose, every request and response line. All text is masked first.
class ConsoleReporter : public RunObserver {
 public:
  ConsoleReporter(std::FILE* out, const Redactor& redactor, Verbosity verbosity);

  void suite_started(const Suite& suite) override;
  void step_finished(const StepResult& step) override;
  void test_finished(const TestResult& test) override;
  void summary(const RunResult& run);

 private:
  void print(const std::string& text);
  std::string paint(const char* color, const std::string& text) const;

  std::FILE* out_;
  const Redactor& redactor_;
  Verbosity verbosity_;
  bool color_;
  const Suite* last_suite_ = nullptr;
};

}  // namespace probe
