// SIGTERM and SIGINT during a request: the run stops within about a second, exits 143 or 130,
// and still writes complete reports with the interrupted test as an error.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <thread>

#include "e2e_test.h"

namespace probe::e2e {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class Interrupt : public SimulatorTest {
 protected:
  // Starts a run whose first request waits 10 s, sends `signal_number` while it waits, and
  // checks the exit code, the time to stop and both reports.
  void interrupt_run(int signal_number, int expected_exit_code) {
    start_simulator({"--fault", "GET /v3/systems/healthcheck delay=10s"});
    ReportPaths reports = report_paths();
    std::unique_ptr<Process> probe = start_probe(
        concat({{"run", "tests/e2e/cases/interrupt.yaml"}, site_args(), report_args(reports)}),
        simulator_secrets(), "probe");

    ASSERT_TRUE(wait_for_output(*probe, temp().file("probe.out"), "interrupt ("))
        << "no suite line";
    std::this_thread::sleep_for(500ms);  // the first request is now waiting for the simulator
    ASSERT_TRUE(probe->running()) << describe(*probe->poll());

    auto signalled = Clock::now();
    probe->send_signal(signal_number);
    ExitStatus status = probe->wait(10s);
    double seconds = std::chrono::duration<double>(Clock::now() - signalled).count();
    std::string out = read_file(temp().file("probe.out"));
    std::string err = read_file(temp().file("probe.err"));

    EXPECT_EQ(status.exit_code, expected_exit_code) << describe(status) << "\n" << out << err;
    EXPECT_LT(seconds, 2.0) << "the run took " << seconds << " s to stop";
    EXPECT_TRUE(reports_are_valid(reports, {.tests = 4, .errors = 1, .skipped = 3}));
    EXPECT_EQ(xpath_count(reports.junit, "//testcase[@name='slow healthcheck']/error"), 1);
    EXPECT_EQ(xpath_count(reports.junit, "//testcase/skipped[contains(@message, 'interrupted')]"),
              3);
    EXPECT_NE(read_file(reports.tap).find("interrupted"), std::string::npos)
        << read_file(reports.tap);
  }

 private:
  static bool wait_for_output(Process& process, const std::string& path, const std::string& text) {
    auto deadline = Clock::now() + 10s;
    while (Clock::now() < deadline && process.running()) {
      if (read_file(path).find(text) != std::string::npos)
        return true;
      std::this_thread::sleep_for(20ms);
      process.poll();
    }
    return false;
  }
};

TEST_F(Interrupt, SigtermExits143WithReports) {
  interrupt_run(SIGTERM, 143);
}

TEST_F(Interrupt, SigintExits130WithReports) {
  interrupt_run(SIGINT, 130);
}

}  // namespace
}  // namespace probe::e2e
