// A child process for end-to-end tests: spawned with posix_spawn, its stdout and stderr sent to
// files, waited for with a time limit.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace probe::e2e {

struct ProcessOptions {
  std::vector<std::string> argv;  // argv[0] is the program path; PATH is not searched
  // Added to, or replacing, the variables of the test's own environment.
  std::vector<std::pair<std::string, std::string>> env;
  std::vector<std::string> unset_env;  // removed from the inherited environment
  std::string working_dir;             // empty: the test's working directory
  std::string stdout_path;             // required
  std::string stderr_path;             // required
};

// How a process ended.
struct ExitStatus {
  bool timed_out = false;  // the wait gave up and the process was killed
  int exit_code = -1;      // set when the process exited
  int signal = 0;          // set when a signal ended the process
};

std::string describe(const ExitStatus& status);

class Process {
 public:
  // Starts the process; throws std::runtime_error when it cannot be spawned. Standard input is
  // /dev/null.
  explicit Process(const ProcessOptions& options);

  // Kills the process with SIGKILL and reaps it when it still runs.
  ~Process();

  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  bool running() const { return !status_.has_value(); }

  // Waits for the process to end. After `timeout` it sends SIGKILL, reaps the process and
  // returns a status with timed_out set.
  ExitStatus wait(std::chrono::milliseconds timeout);

  // Returns the status when the process has ended, without blocking.
  std::optional<ExitStatus> poll();

  void send_signal(int signal_number);

  // Stops the process with SIGTERM, then SIGKILL when it has not ended within `grace`.
  ExitStatus stop(std::chrono::milliseconds grace);

 private:
  pid_t pid_ = -1;
  std::optional<ExitStatus> status_;
};

// Runs a process to its end. A process still running after `timeout` is killed and the
// calling test fails, so no test can hang.
struct ProcessResult {
  ExitStatus status;
  std::string out;  // stdout
  std::string err;  // stderr
  double seconds = 0;
};

ProcessResult run_process(const ProcessOptions& options, std::chrono::milliseconds timeout);

std::string read_file(const std::string& path);

}  // namespace probe::e2e
