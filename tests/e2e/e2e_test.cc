#include "e2e_test.h"

#include <fstream>
#include <iostream>
#include <sstream>

#include "paths.h"

namespace probe::e2e {

Environment simulator_secrets() {
  return {{"TAPIS_PASSWORD", kUserPassword}, {"TAPIS_SERVICE_PASSWORD", kServicePassword}};
}

void E2eTest::TearDown() {
  if (HasFailure()) {
    temp_.keep();
    std::cout << "[   KEPT   ] reports and logs of this test: " << temp_.path() << "\n";
  }
}

ReportPaths E2eTest::report_paths(const std::string& name) const {
  return {temp_.file(name + ".xml"), temp_.file(name + ".tap")};
}

std::vector<std::string> E2eTest::report_args(const ReportPaths& reports) {
  return {"--junit", reports.junit, "--tap", reports.tap};
}

std::string E2eTest::write_file(const std::string& name, const std::string& content) {
  std::string path = temp_.file(name);
  std::ofstream out(path, std::ios::binary);
  out << content;
  return path;
}

ProcessOptions E2eTest::probe_options(const std::vector<std::string>& args, const Environment& env,
                                      const std::string& output_name) const {
  ProcessOptions options;
  options.argv = {binary_path("tapis-probe")};
  options.argv.insert(options.argv.end(), args.begin(), args.end());
  options.unset_env = {"TAPIS_PASSWORD", "TAPIS_SERVICE_PASSWORD"};
  options.env = {{"NO_COLOR", "1"}};
  options.env.insert(options.env.end(), env.begin(), env.end());
  options.working_dir = PROBE_SOURCE_DIR;
  options.stdout_path = temp_.file(output_name + ".out");
  options.stderr_path = temp_.file(output_name + ".err");
  return options;
}

ProcessResult E2eTest::run_probe(const std::vector<std::string>& args, const Environment& env,
                                 std::chrono::milliseconds timeout) {
  return run_process(probe_options(args, env, "probe-" + std::to_string(++runs_)), timeout);
}

std::unique_ptr<Process> E2eTest::start_probe(const std::vector<std::string>& args,
                                              const Environment& env,
                                              const std::string& output_name) {
  return std::make_unique<Process>(probe_options(args, env, output_name));
}

void SimulatorTest::TearDown() {
  simulator_.reset();
  E2eTest::TearDown();
}

Simulator& SimulatorTest::start_simulator(const std::vector<std::string>& extra_args) {
  simulator_ = std::make_unique<Simulator>(temp().file("tapis-sim"), extra_args);
  return *simulator_;
}

std::vector<std::string> SimulatorTest::site_args(const std::string& site_file) const {
  return {"--site", site_file, "--var", "sim_url=" + simulator_->url()};
}

std::unique_ptr<TempDir> HttpbinTest::server_logs_;
std::unique_ptr<HttpbinServer> HttpbinTest::server_;

void HttpbinTest::TearDownTestSuite() {
  server_.reset();
  server_logs_.reset();
}

void HttpbinTest::SetUp() {
  if (server_)
    return;
  server_logs_ = std::make_unique<TempDir>();
  try {
    server_ = std::make_unique<HttpbinServer>(server_logs_->file("httpbin"));
  } catch (const std::exception& error) {
    server_logs_->keep();
    FAIL() << error.what();
  }
}

ProcessResult HttpbinTest::run_case(const std::string& name, const ReportPaths& reports,
                                    const std::vector<std::string>& extra_args) {
  return run_probe(
      concat({{"run", "tests/e2e/cases/httpbin/" + name + ".yaml", "--site",
               "tests/e2e/cases/sites/httpbin.yaml", "--var", "httpbin_url=" + httpbin_url()},
              report_args(reports),
              extra_args}));
}

std::vector<std::string> concat(std::initializer_list<std::vector<std::string>> lists) {
  std::vector<std::string> all;
  for (const std::vector<std::string>& list : lists)
    all.insert(all.end(), list.begin(), list.end());
  return all;
}

int count_lines_containing(const std::string& text, const std::string& needle) {
  std::istringstream lines(text);
  std::string line;
  int count = 0;
  while (std::getline(lines, line)) {
    if (line.find(needle) != std::string::npos)
      ++count;
  }
  return count;
}

}  // namespace probe::e2e
