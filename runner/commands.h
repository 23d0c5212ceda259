// The commands that read suites without sending a request: validate and list. `run` shares
// their loading and selection.
#pragma once

#include <expected>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "diagnostic.h"
#include "selection.h"
#include "site.h"
#include "suite.h"

namespace probe {

using Variables = std::vector<std::pair<std::string, std::string>>;

// Splits each NAME=VALUE of --var.
std::expected<Variables, std::string> parse_variables(const std::vector<std::string>& assignments);

// Every suite that loaded and every problem found, over all files. Fragment files found among
// the paths are checked and left out of `suites`.
struct LoadedSuites {
  std::vector<Suite> suites;
  Diagnostics diagnostics;
};

// Loads the suite files under `paths` and checks their variables against each of `sites` and
// `variables`. With no site, only what a site file could not define is checked. A problem
// found for several sites is reported once.
LoadedSuites load_and_check_suites(const std::vector<std::string>& paths,
                                   const std::vector<const Site*>& sites,
                                   const Variables& variables);

struct ValidateRequest {
  std::vector<std::string> paths;
  std::vector<std::string> sites;
  std::vector<std::string> variables;  // NAME=VALUE
};

// Loads every suite and site file without reading secrets or sending a request, writes every
// problem to `err` and a one-line summary to `out`. Returns kExitInvalid when any file is
// invalid, else kExitPassed.
int validate_files(const ValidateRequest& request, std::ostream& out, std::ostream& err);

struct ListRequest {
  std::vector<std::string> paths;
  Selection selection;
  bool json = false;
};

// Writes the tests that `run` would run with the same paths and selection: one line per test
// with its tags (and skip reason), grouped by suite, or with `json` one JSON document for
// scripts.
int list_tests(const ListRequest& request, std::ostream& out, std::ostream& err);

}  // namespace probe
