// Facts about suite files read without the runner's loader, so that a loader bug cannot make
// the expected counts agree with the runner's.
#pragma once

#include <string>
#include <vector>

namespace probe::e2e {

// The *.yaml files of a folder, sorted.
std::vector<std::string> yaml_files(const std::string& folder);

// The items of the top-level `tests:` list of a suite file.
// NOTE: a line scan, not a YAML parser: it counts the lines that start a list item ("- ") at the
// indentation of the first item after `tests:`, so it expects block style, which every shipped
// suite uses. A flow-style list (`tests: [...]`) gives 0 and fails the calling test loudly.
int count_tests(const std::string& suite_file);

// Lines of the files that contain `needle`.
int count_lines_containing_in(const std::vector<std::string>& files, const std::string& needle);

}  // namespace probe::e2e
