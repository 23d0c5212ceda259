// Process exit codes, documented in docs/usage.md.
#pragma once

namespace probe {

enum ExitCode : int {
  kExitPassed = 0,         // every test passed (skipped tests do not count against it)
  kExitFailed = 1,         // a test failed or errored
  kExitInvalid = 2,        // the command line, a suite or the site file is invalid; nothing ran
  kExitReportFailed = 3,   // the tests ran but a report could not be written
  kExitInterrupted = 130,  // SIGINT (128 + 2)
  kExitTerminated = 143,   // SIGTERM (128 + 15)
};

}  // namespace probe
