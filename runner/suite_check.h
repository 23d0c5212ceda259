// Checks that need every file loaded: variables a suite uses but nothing defines.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "diagnostic.h"
#include "site.h"
#include "suite.h"

namespace probe {

// Reports every `${name}` in `suites` (and in the site's own values) that nothing defines where
// it is used: not the site file, not --var, not the suite's variables or the test's data row,
// not a capture of an earlier step, not a built-in. Inside an included fragment only its
// parameters, the site, --var and the built-ins count. With no site (`site` null), names that
// only a site could define are not reported. `${env.NAME}` is never checked here, because the
// environment of a check run may differ from the environment of the real run.
Diagnostics check_variables(const std::vector<Suite>& suites, const Site* site,
                            const std::vector<std::pair<std::string, std::string>>& cli_variables);

// The variables every test sees without defining them: run_id, run_timestamp, random, and the
// site values base_url, admin_base_url, tenant and site.
const std::vector<std::string>& builtin_variables();

}  // namespace probe
