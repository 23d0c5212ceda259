#include "commands.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "auth.h"
#include "exit_code.h"
#include "suite_check.h"
#include "suite_loader.h"
#include "utf8.h"

namespace probe {

namespace {

// Appends the diagnostics of `more` that `to` does not hold yet.
void append(Diagnostics& to, const Diagnostics& more) {
  for (const Diagnostic& diagnostic : more) {
    bool repeated = std::any_of(to.begin(), to.end(), [&](const Diagnostic& seen) {
      return seen.message == diagnostic.message &&
             format_location(seen.location) == format_location(diagnostic.location);
    });
    if (!repeated)
      to.push_back(diagnostic);
  }
}

void write_diagnostics(const Diagnostics& diagnostics, std::ostream& err) {
  for (const Diagnostic& diagnostic : diagnostics)
    err << format_diagnostic(diagnostic);
}

std::string plural(size_t count, const char* singular, const char* plural_form) {
  return fmt::format("{} {}", count, count == 1 ? singular : plural_form);
}

}  // namespace

std::expected<Variables, std::string> parse_variables(const std::vector<std::string>& assignments) {
  Variables variables;
  for (const std::string& assignment : assignments) {
    size_t equals = assignment.find('=');
    if (equals == std::string::npos || equals == 0)
      return std::unexpected(fmt::format("invalid --var '{}': expected NAME=VALUE", assignment));
    variables.emplace_back(assignment.substr(0, equals), assignment.substr(equals + 1));
  }
  return variables;
}

LoadedSuites load_and_check_suites(const std::vector<std::string>& paths,
                                   const std::vector<const Site*>& sites,
                                   const Variables& variables) {
  LoadedSuites loaded;
  auto files = find_suite_files(paths);
  if (!files) {
    loaded.diagnostics = files.error();
    return loaded;
  }
  for (const std::string& file : *files) {
    auto suite = load_suite(file);
    if (!suite) {
      append(loaded.diagnostics, suite.error());
      continue;
    }
    if (!suite->support_file)
      loaded.suites.push_back(std::move(*suite));
  }
  if (sites.empty()) {
    append(loaded.diagnostics, check_variables(loaded.suites, nullptr, variables));
    return loaded;
  }
  // A variable may be defined in one site file and missing from another.
  for (const Site* site : sites)
    append(loaded.diagnostics, check_variables(loaded.suites, site, variables));
  return loaded;
}

int validate_files(const ValidateRequest& request, std::ostream& out, std::ostream& err) {
  auto variables = parse_variables(request.variables);
  if (!variables) {
    err << "error: " << variables.error() << "\n";
    return kExitInvalid;
  }

  LoadedSites sites = load_sites(request.sites, false);
  Diagnostics diagnostics = std::move(sites.diagnostics);
  std::vector<const Site*> targets;
  for (const Site& site : sites.sites)
    targets.push_back(&site);
  LoadedSuites loaded = load_and_check_suites(request.paths, targets, *variables);
  append(diagnostics, loaded.diagnostics);
  for (const Site& site : sites.sites)
    append(diagnostics, check_accounts(loaded.suites, site));
  size_t test_count = 0;
  for (const Suite& suite : loaded.suites)
    test_count += suite.tests.size();
  size_t suite_count = loaded.suites.size();

  write_diagnostics(diagnostics, err);
  if (!diagnostics.empty()) {
    err << fmt::format("{} found; nothing was sent\n",
                       plural(diagnostics.size(), "problem", "problems"));
    return kExitInvalid;
  }
  out << fmt::format("valid: {}, {}", plural(suite_count, "suite", "suites"),
                     plural(test_count, "test", "tests"));
  if (!request.sites.empty())
    out << fmt::format(", {}", plural(request.sites.size(), "site file", "site files"));
  else
    out << " (variables that a site file could define were not checked: pass --site)";
  out << "\n";
  return kExitPassed;
}

namespace {

// {"suites": [{"name", "file", "tests": [{"name", "location", "tags", "skip"?}]}], "tests": N}
nlohmann::json list_json(const std::vector<Suite>& suites) {
  nlohmann::json listed = {{"suites", nlohmann::json::array()}, {"tests", 0}};
  size_t test_count = 0;
  for (const Suite& suite : suites) {
    nlohmann::json tests = nlohmann::json::array();
    for (const TestSpec& test : suite.tests) {
      nlohmann::json entry = {{"name", test.name},
                              {"location", format_location(test.location)},
                              {"tags", effective_tags(suite, test)}};
      if (test.skip)
        entry["skip"] = *test.skip;
      tests.push_back(std::move(entry));
    }
    test_count += suite.tests.size();
    listed["suites"].push_back(
        {{"name", suite.name}, {"file", suite.file}, {"tests", std::move(tests)}});
  }
  listed["tests"] = test_count;
  return listed;
}

}  // namespace

int list_tests(const ListRequest& request, std::ostream& out, std::ostream& err) {
  LoadedSuites loaded = load_and_check_suites(request.paths, {}, {});
  if (!loaded.diagnostics.empty()) {
    write_diagnostics(loaded.diagnostics, err);
    return kExitInvalid;
  }
  auto selected = select_tests(std::move(loaded.suites), request.selection);
  if (!selected) {
    err << "error: " << selected.error() << "\n";
    return kExitInvalid;
  }
  if (request.json) {
    out << list_json(*selected).dump(2) << "\n";
    return kExitPassed;
  }
  size_t test_count = 0;
  for (const Suite& suite : *selected) {
    out << fmt::format("{} ({})\n", visible_text(suite.name), visible_text(suite.file));
    for (const TestSpec& test : suite.tests) {
      ++test_count;
      std::vector<std::string> tags = effective_tags(suite, test);
      std::string line = "  " + visible_text(test.name);
      if (!tags.empty())
        line += fmt::format("  [{}]", visible_text(fmt::format("{}", fmt::join(tags, ", "))));
      if (test.skip)
        line += fmt::format("  (skipped: {})", visible_text(*test.skip));
      out << line << "\n";
    }
  }
  out << fmt::format("{} in {}\n", plural(test_count, "test", "tests"),
                     plural(selected->size(), "suite", "suites"));
  return kExitPassed;
}

}  // namespace probe
