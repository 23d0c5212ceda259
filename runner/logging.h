// Diagnostic log lines on standard error, through spdlog: "tapis-probe: warning: ...".
// Test results go to the console reporter on standard output, not here.
#pragma once

#include "console.h"

namespace probe {

// Shows warnings and errors; with Verbosity::verbose also information about tokens and
// connections, and with Verbosity::quiet errors only.
void init_logging(Verbosity verbosity);

}  // namespace probe
