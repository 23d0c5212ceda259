#include "process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace probe::e2e {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::chrono::milliseconds kPollInterval{10};

// The test's environment with the options' changes applied, as NAME=VALUE strings.
std::vector<std::string> build_environment(const ProcessOptions& options) {
  std::map<std::string, std::string> variables;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string text(*entry);
    size_t equals = text.find('=');
    if (equals == std::string::npos)
      continue;
    variables[text.substr(0, equals)] = text.substr(equals + 1);
  }
  for (const std::string& name : options.unset_env)
    variables.erase(name);
  for (const auto& [name, value] : options.env)
    variables[name] = value;

  std::vector<std::string> environment;
  for (const auto& [name, value] : variables)
    environment.push_back(name + "=" + value);
  return environment;
}

std::vector<char*> as_pointers(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (std::string& text : strings)
    pointers.push_back(text.data());
  pointers.push_back(nullptr);
  return pointers;
}

ExitStatus decode(int wait_status) {
  ExitStatus status;
  if (WIFEXITED(wait_status))
    status.exit_code = WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status))
    status.signal = WTERMSIG(wait_status);
  return status;
}

void check(int error, const std::string& operation) {
  if (error != 0)
    throw std::runtime_error(operation + ": " + std::strerror(error));
}

}  // namespace

std::string describe(const ExitStatus& status) {
  if (status.timed_out)
    return "timed out and was killed";
  if (status.signal != 0)
    return "killed by signal " + std::to_string(status.signal);
  return "exited with code " + std::to_string(status.exit_code);
}

Process::Process(const ProcessOptions& options) {
  if (options.argv.empty())
    throw std::invalid_argument("Process: empty argv");
  if (options.stdout_path.empty() || options.stderr_path.empty())
    throw std::invalid_argument("Process: stdout_path and stderr_path are required");

  posix_spawn_file_actions_t actions;
  check(posix_spawn_file_actions_init(&actions), "posix_spawn_file_actions_init");
  int flags = O_WRONLY | O_CREAT | O_TRUNC;
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, options.stdout_path.c_str(), flags,
                                   0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, options.stderr_path.c_str(), flags,
                                   0644);
  if (!options.working_dir.empty())
    posix_spawn_file_actions_addchdir_np(&actions, options.working_dir.c_str());

  // The child starts with default signal handling and an empty mask, whatever the test runner
  // has blocked or ignored.
  posix_spawnattr_t attributes;
  check(posix_spawnattr_init(&attributes), "posix_spawnattr_init");
  sigset_t no_signals;
  sigset_t all_signals;
  sigemptyset(&no_signals);
  sigfillset(&all_signals);
  posix_spawnattr_setsigmask(&attributes, &no_signals);
  posix_spawnattr_setsigdefault(&attributes, &all_signals);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<std::string> arguments = options.argv;
  std::vector<std::string> environment = build_environment(options);
  std::vector<char*> argv = as_pointers(arguments);
  std::vector<char*> envp = as_pointers(environment);
  int error = posix_spawn(&pid_, argv[0], &actions, &attributes, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  check(error, "cannot start " + options.argv[0]);
}

Process::~Process() {
  if (running()) {
    ::kill(pid_, SIGKILL);
    int wait_status = 0;
    waitpid(pid_, &wait_status, 0);
  }
}

std::optional<ExitStatus> Process::poll() {
  if (status_)
    return status_;
  int wait_status = 0;
  pid_t done = waitpid(pid_, &wait_status, WNOHANG);
  if (done == pid_)
    status_ = decode(wait_status);
  return status_;
}

ExitStatus Process::wait(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (auto status = poll())
      return *status;
    std::this_thread::sleep_for(kPollInterval);
  }
  if (auto status = poll())
    return *status;

  ::kill(pid_, SIGKILL);
  int wait_status = 0;
  waitpid(pid_, &wait_status, 0);
  status_ = decode(wait_status);
  status_->timed_out = true;
  return *status_;
}

void Process::send_signal(int signal_number) {
  if (running())
    ::kill(pid_, signal_number);
}

ExitStatus Process::stop(std::chrono::milliseconds grace) {
  send_signal(SIGTERM);
  return wait(grace);
}

ProcessResult run_process(const ProcessOptions& options, std::chrono::milliseconds timeout) {
  auto start = Clock::now();
  Process process(options);
  ProcessResult result;
  result.status = process.wait(timeout);
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  result.out = read_file(options.stdout_path);
  result.err = read_file(options.stderr_path);
  if (result.status.timed_out) {
    ADD_FAILURE() << options.argv[0] << " did not finish within " << timeout.count()
                  << " ms and was killed\nstdout:\n"
                  << result.out << "\nstderr:\n"
                  << result.err;
  }
  return result;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace probe::e2e
