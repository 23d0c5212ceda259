// GoogleTest fixtures that run tapis-probe against servers on loopback: each test gets its own
// temporary folder for reports and logs, and every child process has a time limit.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "httpbin_server.h"
#include "process.h"
#include "report_check.h"
#include "simulator.h"
#include "temp_dir.h"

namespace probe::e2e {

using Environment = std::vector<std::pair<std::string, std::string>>;

// The environment that sites/simulator.yaml reads its secrets from.
Environment simulator_secrets();

class E2eTest : public ::testing::Test {
 protected:
  // Keeps the temporary folder of a failed test and prints its path.
  void TearDown() override;

  TempDir& temp() { return temp_; }

  // NAME.xml and NAME.tap in the test's folder.
  ReportPaths report_paths(const std::string& name = "report") const;

  // --junit FILE --tap FILE
  static std::vector<std::string> report_args(const ReportPaths& reports);

  // Writes `content` to NAME in the test's folder and returns the file's path.
  std::string write_file(const std::string& name, const std::string& content);

  // Runs `tapis-probe ARGS...` from the repository root, so that suite and site paths may be
  // relative to it. TAPIS_* variables of the test's environment are not passed on; `env` sets
  // variables. The test fails when the run takes longer than `timeout`.
  ProcessResult run_probe(const std::vector<std::string>& args, const Environment& env = {},
                          std::chrono::milliseconds timeout = std::chrono::seconds(60));

  // Starts tapis-probe like run_probe() and returns without waiting.
  std::unique_ptr<Process> start_probe(const std::vector<std::string>& args, const Environment& env,
                                       const std::string& output_name);

 private:
  ProcessOptions probe_options(const std::vector<std::string>& args, const Environment& env,
                               const std::string& output_name) const;

  TempDir temp_;
  int runs_ = 0;
};

// Starts a tapis-sim per test and stops it in TearDown.
class SimulatorTest : public E2eTest {
 protected:
  void TearDown() override;

  Simulator& start_simulator(const std::vector<std::string>& extra_args = {});

  // --site sites/simulator.yaml --var sim_url=URL, or SITE_FILE in place of the shipped site.
  std::vector<std::string> site_args(const std::string& site_file = "sites/simulator.yaml") const;

  Simulator& simulator() { return *simulator_; }

 private:
  std::unique_ptr<Simulator> simulator_;
};

// Shares one python3-httpbin between the tests of a test suite.
class HttpbinTest : public E2eTest {
 protected:
  static void TearDownTestSuite();
  void SetUp() override;

  static const std::string& httpbin_url() { return server_->url(); }

  // Runs the one suite file tests/e2e/cases/httpbin/NAME.yaml against httpbin.
  ProcessResult run_case(const std::string& name, const ReportPaths& reports,
                         const std::vector<std::string>& extra_args = {});

 private:
  static std::unique_ptr<TempDir> server_logs_;
  static std::unique_ptr<HttpbinServer> server_;
};

// The argument lists one after the other.
std::vector<std::string> concat(std::initializer_list<std::vector<std::string>> lists);

// Lines of `text` that contain `needle`.
int count_lines_containing(const std::string& text, const std::string& needle);

}  // namespace probe::e2e
