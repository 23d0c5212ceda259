#include "suite_loader.h"

#include <fmt/format.h>
#include <re2/re2.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <unordered_map>

#include "yaml_reader.h"

namespace probe {

namespace {

namespace fs = std::filesystem;

// The keys that each kind of mapping in a suite file accepts. The unknown-key check reads its
// lists from here, and a unit test compares every entry with the $defs entry of the same name in
// schemas/suite.schema.json, so a key added here must be added to the schema as well.
const MappingKeys kSuiteMappings = {
    {"suite", {"name", "description", "tags", "variables", "defaults", "parallel", "tests"}},
    {"defaults", {"auth", "timeout", "headers", "redirects"}},
    {"test", {"name", "description", "tags", "skip", "steps", "cleanup", "rows"}},
    {"rows_file", {"file"}},
    {"step", {"name", "request", "capture", "assert", "poll"}},
    {"include_step", {"name", "include", "with", "capture"}},
    {"fragment", {"fragment", "description", "parameters", "steps"}},
    {"poll",
     {"interval", "backoff", "max_interval", "timeout", "max_attempts", "until", "fail_when"}},
    {"request",
     {"method", "url", "query", "headers", "json", "form", "body", "timeout", "redirects", "auth",
      "multipart", "download"}},
    {"multipart_part", {"name", "value", "file", "generate", "filename", "content_type"}},
    {"generate", {"size", "seed"}},
    {"redirects", {"follow", "max"}},
    {"auth", {"basic"}},
    {"basic_auth", {"username", "password"}},
    {"capture", {"json", "header", "regex", "group", "status", "body", "sha256", "size", "secret"}},
    {"assert", {"status", "headers", "json", "body", "duration", "sha256", "size"}},
    {"operators",
     {"eq", "ne", "lt", "le", "gt", "ge", "in", "contains", "matches", "exists", "type", "length"}},
    {"duration_limits", {"lt", "le", "gt", "ge"}},
    {"sha256_source", {"file", "generate"}},
};

// Top-level keys of suites and fragments with this prefix are free for the author, as a place to
// define YAML anchors.
constexpr const char* kExtensionPrefix = "x-";

// The accepted keys of a kind of mapping in kSuiteMappings.
const std::vector<std::string>& keys_of(const std::string& kind) {
  return kSuiteMappings.at(kind);
}

const std::vector<std::string> kTypeNames = {"string", "number", "integer", "boolean",
                                             "null",   "array",  "object"};
const std::vector<std::string> kMethods = {"GET",   "HEAD",   "POST",   "PUT",
                                           "PATCH", "DELETE", "OPTIONS"};

bool contains_reference(const yaml::Node& node) {
  return node.is_scalar() && node.scalar().find("${") != std::string::npos;
}

// The path that identifies a file however it is named: absolute, without . and .. or links.
std::string canonical_key(const std::string& path) {
  std::error_code error;
  fs::path canonical = fs::weakly_canonical(path, error);
  return error ? path : canonical.string();
}

// A fragment file, read for one include.
struct Fragment {
  std::string name;
  std::vector<std::string> parameters;
  Template defaults;
  std::vector<StepSpec> steps;
};

// Prefixes "PREFIX: " to the names of `steps` and of the steps of fragments they include.
void add_name_prefix(std::vector<StepSpec>& steps, const std::string& prefix) {
  for (StepSpec& step : steps) {
    step.name = prefix + ": " + step.name;
    if (step.include) {
      auto include = std::make_shared<IncludeSpec>(*step.include);
      add_name_prefix(include->steps, prefix);
      step.include = std::move(include);
    }
  }
}

// Every capture name that steps make visible to the steps after them.
void collect_capture_names(const std::vector<StepSpec>& steps, std::vector<std::string>& names) {
  for (const StepSpec& step : steps) {
    for (const CaptureSpec& capture : step.captures)
      names.push_back(capture.name);
    if (step.include) {
      for (const auto& [caller_name, fragment_name] : step.include->captures)
        names.push_back(caller_name);
    }
  }
}

// Splits CSV text (RFC 4180: commas, double quotes, "" for a quote inside quotes) into records,
// each with the 1-based line it starts on.
std::expected<std::vector<std::pair<int, std::vector<std::string>>>, std::pair<int, std::string>>
parse_csv(const std::string& text) {
  std::vector<std::pair<int, std::vector<std::string>>> records;
  std::vector<std::string> fields;
  std::string field;
  bool quoted = false;
  bool field_started = false;
  int line = 1;
  int record_line = 1;
  auto end_record = [&] {
    if (field_started || !fields.empty()) {
      fields.push_back(std::move(field));
      records.emplace_back(record_line, std::move(fields));
    }
    fields.clear();
    field.clear();
    field_started = false;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        if (c == '\n')
          ++line;
        field += c;
      }
      continue;
    }
    if (c == '"' && field.empty()) {
      quoted = true;
      field_started = true;
    } else if (c == ',') {
      fields.push_back(std::move(field));
      field.clear();
      field_started = true;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n')
        ++i;
      end_record();
      ++line;
      record_line = line;
    } else {
      field += c;
      field_started = true;
    }
  }
  if (quoted)
    return std::unexpected(std::pair<int, std::string>{record_line, "a quoted field never ends"});
  end_record();
  return records;
}

// The regexes and JSONPath queries compiled for one suite and its fragments, by their text. A
// generated suite repeats a few patterns in thousands of tests, and compiling each once saves
// time and the memory of the copies: both types are immutable and safe to share across threads.
struct CompiledCache {
  std::unordered_map<std::string, std::shared_ptr<const re2::RE2>> regexes;
  std::unordered_map<std::string, JsonPath> paths;
};

class SuiteLoader {
 public:
  // `include_stack` lists the canonical paths of the files being included, outermost first,
  // with this one last. `include_names` lists the same files as the includes name them.
  SuiteLoader(const std::string& file, Diagnostics& diagnostics, CompiledCache& compiled,
              std::vector<std::string> include_stack, std::vector<std::string> include_names)
      : reader_(file, diagnostics),
        diagnostics_(diagnostics),
        compiled_(compiled),
        include_stack_(std::move(include_stack)),
        include_names_(std::move(include_names)) {}

  Suite load(const yaml::Node& root) {
    Suite suite;
    suite.file = reader_.file();
    if (root.is_map() && root["fragment"]) {
      suite.support_file = true;
      read_fragment(root);
      return suite;
    }
    if (root.is_sequence()) {
      suite.support_file = true;
      return suite;
    }
    if (!reader_.expect_map(root, "the suite", keys_of("suite"), kExtensionPrefix))
      return suite;

    if (root["name"]) {
      suite.name = reader_.string(root["name"], "'name'").value_or("");
    } else {
      reader_.error(root, "the suite has no 'name'", "add 'name: <what this suite checks>'");
    }
    if (root["description"])
      suite.description = reader_.string(root["description"], "'description'").value_or("");
    if (root["tags"])
      suite.tags = reader_.string_list(root["tags"], "'tags'").value_or(std::vector<std::string>{});
    if (root["variables"])
      suite.variables = read_variables(root["variables"]);
    if (root["defaults"])
      suite.defaults = read_defaults(root["defaults"]);
    if (root["parallel"])
      suite.parallel = reader_.boolean(root["parallel"], "'parallel'").value_or(false);

    const yaml::Node tests = root["tests"];
    if (!tests) {
      reader_.error(root, "the suite has no 'tests'", "add a 'tests:' list");
    } else if (!tests.is_sequence()) {
      reader_.error(tests, "'tests' must be a list");
    } else {
      read_tests(tests, suite);
    }
    return suite;
  }

 private:
  Template read_variables(const yaml::Node& node) {
    if (!node.is_map()) {
      reader_.error(node, "'variables' must be a mapping of names to values");
      return {};
    }
    return reader_.to_template(node);  // reports duplicate keys
  }

  Defaults read_defaults(const yaml::Node& node) {
    Defaults defaults;
    if (!reader_.expect_map(node, "'defaults'", keys_of("defaults")))
      return defaults;
    if (node["auth"]) {
      AuthSpec auth = read_auth(node["auth"]);
      if (auth.kind == AuthKind::basic) {
        reader_.error(node["auth"], "'defaults.auth' must be none, user or service");
      } else if (auth.kind != AuthKind::inherit) {
        defaults.auth = auth.kind;
      }
    }
    if (node["timeout"])
      defaults.timeout_seconds = reader_.duration(node["timeout"], "'timeout'");
    if (node["headers"])
      defaults.headers = read_mapping(node["headers"], "'headers'");
    if (node["redirects"]) {
      std::optional<bool> follow;
      std::optional<long long> max;
      read_redirects(node["redirects"], follow, max);
      if (follow)
        defaults.follow_redirects = *follow;
      if (max)
        defaults.max_redirects = *max;
    }
    return defaults;
  }

  Fragment read_fragment(const yaml::Node& root) {
    Fragment fragment;
    if (!reader_.expect_map(root, "the fragment", keys_of("fragment"), kExtensionPrefix))
      return fragment;
    fragment.name = reader_.string(root["fragment"], "'fragment'").value_or("");
    if (root["description"])
      reader_.string(root["description"], "'description'");
    if (const yaml::Node parameters = root["parameters"]) {
      if (reader_.expect_map(parameters, "'parameters'", {})) {
        fragment.defaults = reader_.to_template(parameters);
        fragment.defaults.value = nlohmann::json::object();
        for (const auto& [key, value] : parameters.entries()) {
          const std::string name(key.scalar());
          fragment.parameters.push_back(name);
          if (value.is_null())
            continue;  // a required parameter
          Template given = reader_.to_template(value);
          fragment.defaults.value[name] = given.value;
          for (auto& [pointer, origin] : given.origins)
            fragment.defaults.origins["/" + escape_pointer_token(name) + pointer] = origin;
        }
      }
    }
    const yaml::Node steps = root["steps"];
    if (!steps) {
      reader_.error(root, "the fragment has no 'steps'", "add a 'steps:' list");
    } else if (!steps.is_sequence() || steps.size() == 0) {
      reader_.error(steps, "'steps' must be a list with at least one step");
    } else {
      int index = 0;
      for (const yaml::Node& step : steps)
        fragment.steps.push_back(read_step(step, ++index));
    }
    return fragment;
  }

  void read_tests(const yaml::Node& tests, Suite& suite) {
    std::map<std::string, SourceLocation> names;
    for (const yaml::Node& node : tests) {
      TestSpec test = read_test(node);
      std::vector<TestSpec> expanded;
      if (node.is_map() && node["rows"])
        expanded = expand_rows(node, test);
      else
        expanded.push_back(std::move(test));
      for (TestSpec& one : expanded) {
        if (!one.name.empty()) {
          auto [previous, inserted] = names.emplace(one.name, one.location);
          if (!inserted) {
            reader_.error_at(
                node.is_map() && node["name"] && one.variables.empty()
                    ? reader_.location(node["name"])
                    : one.location,
                fmt::format("duplicate test name '{}'", one.name),
                fmt::format("give each test in a suite its own name; the first one is at {}",
                            format_location(previous->second)));
          }
        }
        suite.tests.push_back(std::move(one));
      }
    }
  }

  // One test per row of `rows:`: a list of mappings, or {file: PATH} of a YAML list of mappings
  // or a CSV file with a header line. A name with ${column} references is expanded with the
  // row's values; any other name gets the row's values appended in brackets.
  std::vector<TestSpec> expand_rows(const yaml::Node& node, const TestSpec& test) {
    std::vector<std::pair<Template, SourceLocation>> rows = read_rows(node["rows"]);
    std::vector<TestSpec> out;
    for (auto& [values, where] : rows) {
      TestSpec one = test;
      one.location = where;
      one.name = row_test_name(node, test.name, values, where);
      one.variables = std::move(values);
      out.push_back(std::move(one));
    }
    return out;
  }

  std::string row_test_name(const yaml::Node& node, const std::string& name, const Template& row,
                            const SourceLocation& where) {
    if (name.find("${") == std::string::npos) {
      std::vector<std::string> parts;
      for (const auto& [column, value] : row.value.items())
        parts.push_back(value.is_string() ? value.get<std::string>() : value.dump());
      return fmt::format("{} [{}]", name, fmt::join(parts, ", "));
    }
    Scope scope;
    for (const auto& [column, value] : row.value.items())
      scope.set(column, Binding{value, false, false, where, {}});
    Template text{name, reader_.location(node["name"]), {}};
    text.origins[""] = ScalarOrigin{text.location, true};
    auto expanded = expand_text(text, scope);
    if (!expanded) {
      std::vector<std::string> columns;
      for (const auto& [column, value] : row.value.items())
        columns.push_back(column);
      reader_.error(node["name"],
                    fmt::format("the test name refers to something other than a row column: {}",
                                expanded.error().message),
                    fmt::format("a test name with rows may use only the rows' columns: {}",
                                fmt::join(columns, ", ")));
      return name;
    }
    return *expanded;
  }

  std::vector<std::pair<Template, SourceLocation>> read_rows(const yaml::Node& node) {
    std::vector<std::pair<Template, SourceLocation>> rows;
    if (node.is_map()) {
      if (!reader_.expect_map(node, "'rows'", keys_of("rows_file")) || !node["file"]) {
        reader_.error(node, "'rows' must be a list of mappings or {file: PATH}");
        return rows;
      }
      return read_row_file(node["file"]);
    }
    if (!node.is_sequence() || node.size() == 0) {
      reader_.error(node, "'rows' must be a list of mappings or {file: PATH}",
                    "write one mapping of column names to values per row");
      return rows;
    }
    read_row_nodes(node, reader_, rows);
    return rows;
  }

  static void read_row_nodes(const yaml::Node& node, YamlReader& reader,
                             std::vector<std::pair<Template, SourceLocation>>& rows) {
    std::set<std::string> first_columns;
    bool first = true;
    for (const yaml::Node& row : node) {
      if (!reader.expect_map(row, "a row", {}))
        continue;
      std::set<std::string> columns;
      for (const auto& [key, value] : row.entries())
        columns.emplace(key.scalar());
      if (first) {
        first_columns = columns;
        first = false;
      } else if (columns != first_columns) {
        reader.error(row,
                     fmt::format("this row's columns ({}) differ from the first row's ({})",
                                 fmt::join(columns, ", "), fmt::join(first_columns, ", ")),
                     "give every row the same columns");
        continue;
      }
      rows.emplace_back(reader.to_template(row), reader.location(row));
    }
  }

  std::vector<std::pair<Template, SourceLocation>> read_row_file(const yaml::Node& node) {
    std::vector<std::pair<Template, SourceLocation>> rows;
    auto name = reader_.string(node, "'rows.file'");
    if (!name)
      return rows;
    std::string path = resolve_relative(*name);
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      reader_.error(node, fmt::format("cannot read rows file '{}'", path),
                    "the path is relative to the suite file's folder");
      return rows;
    }
    if (path.ends_with(".csv"))
      return read_csv_rows(node, path, in);
    if (!path.ends_with(".yaml") && !path.ends_with(".yml")) {
      reader_.error(node, fmt::format("rows file '{}' is neither .csv nor .yaml", path),
                    "name the file *.csv (with a header line) or *.yaml (a list of mappings)");
      return rows;
    }
    auto root = load_yaml_file(path);
    if (!root) {
      diagnostics_.push_back(root.error());
      return rows;
    }
    YamlReader file_reader(path, diagnostics_);
    if (!root->is_sequence() || root->size() == 0) {
      file_reader.error(*root, "a rows file must be a list of mappings, one per row");
      return rows;
    }
    read_row_nodes(*root, file_reader, rows);
    return rows;
  }

  std::vector<std::pair<Template, SourceLocation>> read_csv_rows(const yaml::Node& node,
                                                                 const std::string& path,
                                                                 std::istream& in) {
    std::vector<std::pair<Template, SourceLocation>> rows;
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (text.starts_with("\xEF\xBB\xBF"))
      text.erase(0, 3);  // the byte order mark that spreadsheet programs write
    auto records = parse_csv(text);
    if (!records) {
      reader_.error_at({path, records.error().first, 1}, records.error().second);
      return rows;
    }
    if (records->size() < 2) {
      reader_.error(node, fmt::format("rows file '{}' has no data rows", path),
                    "the first line names the columns; each later line is one row");
      return rows;
    }
    const std::vector<std::string>& header = records->front().second;
    for (size_t i = 1; i < records->size(); ++i) {
      const auto& [line, fields] = (*records)[i];
      SourceLocation where{path, line, 1};
      if (fields.size() != header.size()) {
        reader_.error_at(
            where,
            fmt::format("the row has {} {} but the header names {} columns", fields.size(),
                        fields.size() == 1 ? "field" : "fields", header.size()),
            "give every line as many comma-separated fields as the header; quote "
            "a field that contains a comma");
        continue;
      }
      Template row;
      row.location = where;
      row.value = nlohmann::json::object();
      for (size_t column = 0; column < header.size(); ++column) {
        // CSV has no types: every value is text, as a quoted YAML scalar is.
        row.value[header[column]] = fields[column];
        if (fields[column].find("${") != std::string::npos)
          row.origins["/" + escape_pointer_token(header[column])] = ScalarOrigin{where, true};
      }
      rows.emplace_back(std::move(row), where);
    }
    return rows;
  }

  std::string resolve_relative(const std::string& name) const {
    fs::path path(name);
    if (path.is_absolute())
      return name;
    return (fs::path(reader_.file()).parent_path() / path).lexically_normal().string();
  }

  TestSpec read_test(const yaml::Node& node) {
    TestSpec test;
    test.location = reader_.location(node);
    if (!reader_.expect_map(node, "a test", keys_of("test")))
      return test;
    if (node["name"]) {
      test.name = reader_.string(node["name"], "'name'").value_or("");
    } else {
      reader_.error(node, "the test has no 'name'", "add 'name: <what this test checks>'");
    }
    if (node["tags"])
      test.tags = reader_.string_list(node["tags"], "'tags'").value_or(std::vector<std::string>{});
    if (node["description"])
      reader_.string(node["description"], "'description'");
    if (node["skip"])
      test.skip = reader_.string(node["skip"], "'skip'");

    const yaml::Node steps = node["steps"];
    if (!steps) {
      reader_.error(node, fmt::format("test '{}' has no 'steps'", test.name),
                    "add a 'steps:' list with at least one request");
    } else if (!steps.is_sequence() || steps.size() == 0) {
      reader_.error(steps, "'steps' must be a list with at least one step");
    } else {
      int index = 0;
      for (const yaml::Node& step : steps)
        test.steps.push_back(read_step(step, ++index));
    }

    if (const yaml::Node cleanup = node["cleanup"]) {
      if (!cleanup.is_sequence()) {
        reader_.error(cleanup, "'cleanup' must be a list of steps");
      } else {
        int index = 0;
        for (const yaml::Node& step : cleanup) {
          test.cleanup.push_back(read_step(step, ++index));
          test.cleanup.back().name =
              step["name"] ? test.cleanup.back().name : fmt::format("cleanup {}", index);
        }
      }
    }
    return test;
  }

  StepSpec read_step(const yaml::Node& node, int index) {
    StepSpec step;
    step.location = reader_.location(node);
    step.name = fmt::format("step {}", index);
    if (node.is_map() && node["include"]) {
      read_include(node, step);
      return step;
    }
    if (!reader_.expect_map(node, "a step", keys_of("step")))
      return step;
    if (node["name"])
      step.name = reader_.string(node["name"], "'name'").value_or(step.name);

    if (node["request"]) {
      step.request = read_request(node["request"]);
    } else {
      reader_.error(node, "the step has no 'request'", "add 'request:' with at least a 'url'");
    }
    if (node["capture"])
      read_captures(node["capture"], step.captures);
    if (node["assert"])
      read_assertions(node["assert"], step.assertions);
    if (node["poll"])
      step.poll = read_poll(node["poll"]);
    return step;
  }

  void read_include(const yaml::Node& node, StepSpec& step) {
    if (!reader_.expect_map(node, "an include step", keys_of("include_step")))
      return;
    auto include = std::make_shared<IncludeSpec>();
    include->location = reader_.location(node);
    auto name = reader_.string(node["include"], "'include'");
    if (!name)
      return;
    include->file = resolve_relative(*name);

    std::string key = canonical_key(include->file);
    auto repeated = std::find(include_stack_.begin(), include_stack_.end(), key);
    if (repeated != include_stack_.end()) {
      size_t first = static_cast<size_t>(repeated - include_stack_.begin());
      std::vector<std::string> chain(include_names_.begin() + static_cast<long>(first),
                                     include_names_.end());
      chain.push_back(include->file);
      reader_.error(node["include"],
                    "include cycle: " + fmt::format("{}", fmt::join(chain, " -> ")),
                    "a fragment must not include itself, directly or through others; move the "
                    "shared steps into a fragment that includes neither");
      return;
    }

    Diagnostics inner;
    Fragment fragment;
    if (auto root = load_yaml_file(include->file); !root) {
      inner.push_back(root.error());
    } else {
      std::vector<std::string> stack = include_stack_;
      stack.push_back(key);
      std::vector<std::string> names = include_names_;
      names.push_back(include->file);
      SuiteLoader loader(include->file, inner, compiled_, std::move(stack), std::move(names));
      if (!root->is_map() || !(*root)["fragment"]) {
        loader.reader_.error(*root, "an included file must be a fragment",
                             "start it with 'fragment: NAME' and give it 'steps:'");
      } else {
        fragment = loader.read_fragment(*root);
      }
    }
    for (Diagnostic& diagnostic : inner) {
      diagnostic.included_from.push_back(include->location);
      diagnostics_.push_back(std::move(diagnostic));
    }
    if (!inner.empty())
      return;

    std::string prefix = fragment.name;
    if (node["name"])
      prefix = reader_.string(node["name"], "'name'").value_or(prefix);
    step.name = prefix;
    include->parameters = fragment.parameters;
    include->defaults = fragment.defaults;
    include->steps = std::move(fragment.steps);
    add_name_prefix(include->steps, prefix);

    read_include_arguments(node, *include);
    read_include_captures(node, *include);
    step.include = std::move(include);
  }

  void read_include_arguments(const yaml::Node& node, IncludeSpec& include) {
    std::set<std::string> given;
    if (const yaml::Node with = node["with"]) {
      if (include.parameters.empty()) {
        reader_.error(with, "the fragment takes no parameters",
                      "remove 'with:', or declare the values under 'parameters:' in the fragment");
      } else if (reader_.expect_map(with, "'with'", include.parameters)) {
        include.arguments = reader_.to_template(with);
        for (const auto& [key, value] : with.entries())
          given.emplace(key.scalar());
      }
    }
    for (const std::string& parameter : include.parameters) {
      if (!given.contains(parameter) && !include.defaults.value.contains(parameter)) {
        reader_.error(node,
                      fmt::format("the include does not set required parameter '{}'", parameter),
                      fmt::format("add it under 'with:', e.g. with: {{{}: ...}}", parameter));
      }
    }
  }

  void read_include_captures(const yaml::Node& node, IncludeSpec& include) {
    const yaml::Node capture = node["capture"];
    if (!capture)
      return;
    if (!reader_.expect_map(capture, "the include's 'capture'", {}))
      return;
    std::vector<std::string> available;
    collect_capture_names(include.steps, available);
    for (const auto& [key, value] : capture.entries()) {
      auto fragment_name = reader_.string(value, "a captured name");
      if (!fragment_name)
        continue;
      if (std::find(available.begin(), available.end(), *fragment_name) == available.end()) {
        std::string suggestion = closest_match(*fragment_name, available);
        reader_.error(
            value, fmt::format("the fragment captures no '{}'", *fragment_name),
            suggestion.empty()
                ? (available.empty() ? std::string("the fragment captures nothing")
                                     : fmt::format("it captures {}", fmt::join(available, ", ")))
                : fmt::format("did you mean '{}'?", suggestion));
        continue;
      }
      include.captures.emplace_back(key.scalar(), *fragment_name);
    }
  }

  std::optional<PollSpec> read_poll(const yaml::Node& node) {
    if (!reader_.expect_map(node, "'poll'", keys_of("poll")))
      return std::nullopt;
    PollSpec poll;
    poll.location = reader_.location(node);
    PollPolicy& policy = poll.policy;
    bool valid = true;

    if (node["interval"])
      policy.interval_seconds =
          reader_.duration(node["interval"], "'interval'").value_or(policy.interval_seconds);
    if (node["max_interval"])
      policy.max_interval_seconds = reader_.duration(node["max_interval"], "'max_interval'");
    if (node["backoff"]) {
      const yaml::Node backoff = node["backoff"];
      nlohmann::json factor = backoff.is_scalar()
                                  ? resolve_plain_scalar(std::string(backoff.scalar()))
                                  : nlohmann::json();
      if (!factor.is_number() || factor.get<double>() < 1 || factor.get<double>() > 10) {
        reader_.error(backoff, "'backoff' must be a number from 1 (a fixed interval) to 10");
        valid = false;
      } else {
        policy.backoff = factor.get<double>();
      }
    }
    if (node["timeout"]) {
      auto timeout = reader_.duration(node["timeout"], "'timeout'");
      valid = valid && timeout.has_value();
      if (timeout)
        policy.timeout_seconds = *timeout;
    } else {
      reader_.error(node, "'poll' has no 'timeout'",
                    "add 'timeout:' with the longest the whole poll may take, e.g. 5m");
      valid = false;
    }
    if (node["max_attempts"]) {
      policy.max_attempts = reader_.integer(node["max_attempts"], "'max_attempts'");
      if (policy.max_attempts && *policy.max_attempts < 1) {
        reader_.error(node["max_attempts"],
                      "'max_attempts' counts requests and must be at least 1");
        valid = false;
      }
    }
    if (policy.interval_seconds <= 0) {
      reader_.error(node["interval"], "'interval' must be more than zero");
      valid = false;
    }

    if (node["until"]) {
      read_assertions(node["until"], poll.until, "'poll.until'");
    } else {
      reader_.error(node, "'poll' has no 'until'",
                    "add 'until:' with the assertions that end the poll, e.g. json: "
                    "{$.result.status: FINISHED}");
      valid = false;
    }
    if (node["fail_when"])
      read_assertions(node["fail_when"], poll.fail_when, "'poll.fail_when'");
    if (!valid)
      return std::nullopt;
    return poll;
  }

  RequestSpec read_request(const yaml::Node& node) {
    RequestSpec request;
    request.location = reader_.location(node);
    if (!reader_.expect_map(node, "'request'", keys_of("request")))
      return request;

    if (node["method"]) {
      request.method = reader_.to_template(node["method"]);
      const yaml::Node method = node["method"];
      if (method.is_scalar() && !contains_reference(method) &&
          std::find(kMethods.begin(), kMethods.end(), method.scalar()) == kMethods.end()) {
        reader_.error(method, fmt::format("unknown HTTP method '{}'", method.scalar()),
                      fmt::format("use one of {}", fmt::join(kMethods, ", ")));
      }
    }
    if (node["url"]) {
      if (reader_.string(node["url"], "'url'"))
        request.url = reader_.to_template(node["url"]);
    } else {
      reader_.error(node, "the request has no 'url'",
                    "add 'url:' with a full URL or a path such as /v3/systems");
    }
    if (node["query"])
      request.query = read_mapping(node["query"], "'query'");
    if (node["headers"])
      request.headers = read_mapping(node["headers"], "'headers'");
    read_body(node, request);
    if (node["timeout"])
      request.timeout_seconds = reader_.duration(node["timeout"], "'timeout'");
    if (node["redirects"])
      read_redirects(node["redirects"], request.follow_redirects, request.max_redirects);
    if (node["auth"])
      request.auth = read_auth(node["auth"]);
    if (node["download"]) {
      if (reader_.string(node["download"], "'download'"))
        request.download = reader_.to_template(node["download"]);
    }
    return request;
  }

  void read_multipart(const yaml::Node& node, RequestSpec& request) {
    if (!node.is_sequence() || node.size() == 0) {
      reader_.error(node, "'multipart' must be a list of parts");
      return;
    }
    for (const yaml::Node& item : node) {
      if (!reader_.expect_map(item, "a multipart part", keys_of("multipart_part")))
        continue;
      MultipartSpec part;
      part.location = reader_.location(item);
      if (!item["name"])
        reader_.error(item, "the part has no 'name'", "add 'name:', the form field name");
      else
        part.name = reader_.to_template(item["name"]);
      int sources = 0;
      if (item["value"]) {
        part.value = reader_.to_template(item["value"]);
        ++sources;
      }
      if (item["file"]) {
        part.file = reader_.to_template(item["file"]);
        ++sources;
      }
      if (item["generate"]) {
        if (auto generated = read_generate(item["generate"])) {
          part.generate_size = generated->first;
          part.generate_seed = generated->second;
        }
        ++sources;
      }
      if (sources != 1)
        reader_.error(item, "a part needs exactly one of 'value', 'file' and 'generate'");
      if (item["filename"])
        part.filename = reader_.to_template(item["filename"]);
      if (item["content_type"])
        part.content_type = reader_.to_template(item["content_type"]);
      request.multipart.push_back(std::move(part));
    }
  }

  void read_body(const yaml::Node& node, RequestSpec& request) {
    int bodies = 0;
    if (node["json"]) {
      request.json = reader_.to_template(node["json"]);
      request.has_json = true;
      ++bodies;
    }
    if (node["form"]) {
      request.form = read_mapping(node["form"], "'form'");
      ++bodies;
    }
    if (node["body"]) {
      if (reader_.string(node["body"], "'body'"))
        request.body = reader_.to_template(node["body"]);
      ++bodies;
    }
    if (node["multipart"]) {
      read_multipart(node["multipart"], request);
      ++bodies;
    }
    if (bodies > 1) {
      reader_.error(node, "a request can have only one of 'json', 'form', 'body' and 'multipart'",
                    "keep the one that matches the Content-Type the server expects");
    }
  }

  Template read_mapping(const yaml::Node& node, const std::string& what) {
    if (!node.is_map()) {
      reader_.error(node, fmt::format("{} must be a mapping of names to values", what));
      return {};
    }
    Template out = reader_.to_template(node);  // reports duplicate keys
    for (const auto& [key, value] : out.value.items()) {
      if (value.is_object() || value.is_array()) {
        reader_.error(node[key], fmt::format("{} value '{}' must be text or a number", what, key));
      }
    }
    return out;
  }

  void read_redirects(const yaml::Node& node, std::optional<bool>& follow,
                      std::optional<long long>& max) {
    if (node.is_scalar()) {
      follow = reader_.boolean(node, "'redirects'");
      return;
    }
    if (!reader_.expect_map(node, "'redirects'", keys_of("redirects")))
      return;
    if (node["follow"])
      follow = reader_.boolean(node["follow"], "'redirects.follow'");
    if (node["max"]) {
      max = reader_.integer(node["max"], "'redirects.max'");
      if (max && (*max < 0 || *max > 100)) {
        reader_.error(node["max"], "'redirects.max' must be between 0 and 100");
        max.reset();
      }
    }
  }

  AuthSpec read_auth(const yaml::Node& node) {
    AuthSpec auth;
    if (node.is_scalar()) {
      const std::string_view kind = node.scalar();
      if (kind == "none")
        auth.kind = AuthKind::none;
      else if (kind == "user")
        auth.kind = AuthKind::user;
      else if (kind == "service")
        auth.kind = AuthKind::service;
      else
        reader_.error(node, fmt::format("unknown auth '{}'", kind),
                      "use none, user, service, or 'basic: {username: ..., password: ...}'");
      return auth;
    }
    if (!reader_.expect_map(node, "'auth'", keys_of("auth")))
      return auth;
    const yaml::Node basic = node["basic"];
    if (!basic) {
      reader_.error(node, "'auth' has no 'basic'",
                    "use none, user, service, or 'basic: {username: ..., password: ...}'");
      return auth;
    }
    if (!reader_.expect_map(basic, "'auth.basic'", keys_of("basic_auth")))
      return auth;
    if (!basic["username"] || !basic["password"]) {
      reader_.error(basic, "'auth.basic' needs both 'username' and 'password'");
      return auth;
    }
    auth.kind = AuthKind::basic;
    auth.username = reader_.to_template(basic["username"]);
    auth.password = reader_.to_template(basic["password"]);
    return auth;
  }

  void read_captures(const yaml::Node& node, std::vector<CaptureSpec>& captures) {
    if (!reader_.expect_map(node, "'capture'", {}))
      return;
    for (const auto& [key, value] : node.entries()) {
      CaptureSpec capture;
      capture.name = key.scalar();
      capture.location = reader_.location(value);
      if (read_capture(value, capture))
        captures.push_back(std::move(capture));
    }
  }

  // The sources that take no argument (`status: true`) accept only true, so that `status: false`
  // does not capture the status anyway.
  bool require_true(const yaml::Node& node, const std::string& what) {
    std::optional<bool> value = reader_.boolean(node, what);
    if (value && !*value) {
      reader_.error(node, fmt::format("{} can only be true", what),
                    "remove the key to take the value from another source");
      return false;
    }
    return value.has_value();
  }

  bool read_capture(const yaml::Node& node, CaptureSpec& capture) {
    if (node.is_scalar()) {
      capture.source = CaptureSource::json;
      capture.expression = node.scalar();
      return compile_path(node, capture.expression, capture.path);
    }
    if (!reader_.expect_map(node, fmt::format("capture '{}'", capture.name), keys_of("capture")))
      return false;
    if (node["secret"])
      capture.secret = reader_.boolean(node["secret"], "'secret'").value_or(false);

    if (node["group"] && !node["regex"]) {
      reader_.error(node["group"],
                    fmt::format("capture '{}' has 'group' but no 'regex'", capture.name),
                    "'group' selects a group of the 'regex' match; remove it or add 'regex:'");
      return false;
    }

    bool valid = true;
    int sources = 0;
    if (node["json"]) {
      capture.source = CaptureSource::json;
      capture.expression = reader_.string(node["json"], "'json'").value_or("");
      if (!compile_path(node["json"], capture.expression, capture.path))
        return false;
      ++sources;
    }
    if (node["header"]) {
      capture.source = CaptureSource::header;
      capture.expression = reader_.string(node["header"], "'header'").value_or("");
      ++sources;
    }
    if (node["regex"]) {
      capture.source = CaptureSource::regex;
      capture.expression = reader_.string(node["regex"], "'regex'").value_or("");
      capture.regex = compile_regex(node["regex"], capture.expression);
      if (!capture.regex)
        return false;
      long long group = 1;
      if (node["group"])
        group = reader_.integer(node["group"], "'group'").value_or(1);
      if (group < 0 || group > capture.regex->NumberOfCapturingGroups()) {
        reader_.error(node["group"] ? node["group"] : node["regex"],
                      fmt::format("the regex has no group {}", group),
                      "groups are numbered from 1; 0 is the whole match");
        return false;
      }
      capture.group = static_cast<int>(group);
      ++sources;
    }
    if (node["status"]) {
      capture.source = CaptureSource::status;
      valid = require_true(node["status"], "'status'") && valid;
      ++sources;
    }
    if (node["body"]) {
      capture.source = CaptureSource::body;
      valid = require_true(node["body"], "'body'") && valid;
      ++sources;
    }
    if (node["sha256"]) {
      capture.source = CaptureSource::sha256;
      valid = require_true(node["sha256"], "'sha256'") && valid;
      ++sources;
    }
    if (node["size"]) {
      capture.source = CaptureSource::size;
      valid = require_true(node["size"], "'size'") && valid;
      ++sources;
    }
    if (!valid)
      return false;
    if (sources != 1) {
      reader_.error(node, fmt::format("capture '{}' needs exactly one of json, header, regex, "
                                      "status, body, sha256 and size",
                                      capture.name));
      return false;
    }
    return true;
  }

  bool compile_path(const yaml::Node& node, const std::string& text,
                    std::optional<JsonPath>& path) {
    if (auto known = compiled_.paths.find(text); known != compiled_.paths.end()) {
      path = known->second;
      return true;
    }
    auto parsed = JsonPath::parse(text);
    if (!parsed) {
      SourceLocation where = reader_.location(node);
      // Point at the offending character when the scalar sits on one line as written.
      if (node.plain())
        where.column += static_cast<int>(parsed.error().offset);
      reader_.error_at(where,
                       fmt::format("invalid JSONPath \"{}\": {}", text, parsed.error().message),
                       "JSONPath follows RFC 9535, for example $.result[0].id");
      return false;
    }
    compiled_.paths.emplace(text, *parsed);
    path = std::move(*parsed);
    return true;
  }

  std::shared_ptr<const re2::RE2> compile_regex(const yaml::Node& node, const std::string& text) {
    if (auto known = compiled_.regexes.find(text); known != compiled_.regexes.end())
      return known->second;
    RE2::Options options;
    options.set_log_errors(false);
    auto regex = std::make_shared<const re2::RE2>(text, options);
    if (!regex->ok()) {
      reader_.error(node, fmt::format("invalid regex \"{}\": {}", text, regex->error()),
                    "regexes use RE2 syntax");
      return nullptr;
    }
    compiled_.regexes.emplace(text, regex);
    return regex;
  }

  void read_assertions(const yaml::Node& node, std::vector<AssertionSpec>& assertions,
                       const std::string& what = "'assert'") {
    if (!reader_.expect_map(node, what, keys_of("assert")))
      return;
    if (node["status"])
      read_status(node["status"], assertions);
    if (node["headers"]) {
      const yaml::Node headers = node["headers"];
      if (reader_.expect_map(headers, "'assert.headers'", {})) {
        for (const auto& [key, value] : headers.entries())
          read_operators(value, Subject::header, std::string(key.scalar()), std::nullopt,
                         assertions);
      }
    }
    if (node["json"]) {
      const yaml::Node paths = node["json"];
      if (reader_.expect_map(paths, "'assert.json'", {})) {
        for (const auto& [key, value] : paths.entries()) {
          std::optional<JsonPath> path;
          const std::string expression(key.scalar());
          if (!compile_path(key, expression, path))
            continue;
          read_operators(value, Subject::json, expression, path, assertions);
        }
      }
    }
    if (node["body"])
      read_operators(node["body"], Subject::body, "", std::nullopt, assertions);
    if (node["duration"])
      read_duration_assertion(node["duration"], assertions);
    if (node["sha256"])
      read_digest_assertion(node["sha256"], assertions);
    if (node["size"])
      read_operators(node["size"], Subject::size, "", std::nullopt, assertions);
  }

  // `sha256: HEX`, or the digest of a local file or of generated data to compare with.
  void read_digest_assertion(const yaml::Node& node, std::vector<AssertionSpec>& assertions) {
    AssertionSpec assertion;
    assertion.subject = Subject::sha256;
    assertion.op = "eq";
    assertion.location = reader_.location(node);
    if (node.is_scalar()) {
      assertion.expected = reader_.to_template(node);
    } else {
      if (!reader_.expect_map(node, "'sha256'", keys_of("sha256_source")) || node.size() != 1) {
        reader_.error(node,
                      "'sha256' takes a hex digest, {file: PATH} or {generate: {size, seed}}");
        return;
      }
      if (node["file"]) {
        assertion.expected.value = nlohmann::json{{"file", nullptr}};
        Template path = reader_.to_template(node["file"]);
        assertion.expected.value["file"] = path.value;
        for (auto& [pointer, origin] : path.origins)
          assertion.expected.origins["/file" + pointer] = origin;
      } else {
        auto generated = read_generate(node["generate"]);
        if (!generated)
          return;
        assertion.expected.value =
            nlohmann::json{{"generate", {{"size", generated->first}, {"seed", generated->second}}}};
      }
    }
    assertions.push_back(std::move(assertion));
  }

  std::optional<std::pair<uint64_t, uint64_t>> read_generate(const yaml::Node& node) {
    if (!reader_.expect_map(node, "'generate'", keys_of("generate")))
      return std::nullopt;
    if (!node["size"]) {
      reader_.error(node, "'generate' has no 'size'", "add 'size:', e.g. 10MiB");
      return std::nullopt;
    }
    auto bytes = reader_.size(node["size"], "'size'");
    long long seed = node["seed"] ? reader_.integer(node["seed"], "'seed'").value_or(0) : 0;
    if (!bytes)
      return std::nullopt;
    return std::pair<uint64_t, uint64_t>{*bytes, static_cast<uint64_t>(seed)};
  }

  void read_status(const yaml::Node& node, std::vector<AssertionSpec>& assertions) {
    if (node.is_map()) {
      read_operators(node, Subject::status, "", std::nullopt, assertions);
      return;
    }
    AssertionSpec assertion;
    assertion.subject = Subject::status;
    assertion.location = reader_.location(node);
    assertion.op = node.is_sequence() ? "in" : "eq";
    assertion.expected = reader_.to_template(node);
    assertions.push_back(std::move(assertion));
  }

  void read_duration_assertion(const yaml::Node& node, std::vector<AssertionSpec>& assertions) {
    if (!reader_.expect_map(node, "'assert.duration'", keys_of("duration_limits")))
      return;
    for (const auto& [key, value] : node.entries()) {
      auto seconds = reader_.duration(value, "a duration limit");
      if (!seconds)
        continue;
      AssertionSpec assertion;
      assertion.subject = Subject::duration;
      assertion.location = reader_.location(key);
      assertion.op = key.scalar();
      assertion.expected.value = *seconds;
      assertions.push_back(std::move(assertion));
    }
  }

  // A scalar or a list is shorthand for `eq`; a mapping holds operators. `length` takes a number
  // (shorthand for eq) or a mapping of operators that apply to the subject's length.
  void read_operators(const yaml::Node& node, Subject subject, const std::string& target,
                      const std::optional<JsonPath>& path, std::vector<AssertionSpec>& out,
                      bool on_length = false) {
    AssertionSpec base;
    base.subject = subject;
    base.target = target;
    base.path = path;
    base.on_length = on_length;
    if (!node.is_map()) {
      base.location = reader_.location(node);
      base.op = "eq";
      base.expected = reader_.to_template(node);
      out.push_back(std::move(base));
      return;
    }
    std::string what =
        target.empty() ? "the assertion" : fmt::format("the assertion on '{}'", target);
    if (on_length)
      what = "'length'";
    const std::vector<std::string>& operators = keys_of("operators");
    if (!reader_.expect_map(node, what, operators))
      return;

    for (const auto& [key, value] : node.entries()) {
      const std::string op(key.scalar());
      if (std::find(operators.begin(), operators.end(), op) == operators.end())
        continue;
      if (op == "length") {
        if (on_length) {
          reader_.error(key, "'length' cannot be nested in 'length'");
          continue;
        }
        if (value.is_map()) {
          read_operators(value, subject, target, path, out, true);
          continue;
        }
      }
      AssertionSpec assertion = base;
      assertion.location = reader_.location(key);
      assertion.op = op == "length" ? "eq" : op;
      assertion.on_length = on_length || op == "length";
      assertion.expected = reader_.to_template(value);
      if (check_operand(value, op, assertion))
        out.push_back(std::move(assertion));
    }
  }

  bool check_operand(const yaml::Node& node, const std::string& op, AssertionSpec& assertion) {
    if (op == "exists" && !reader_.boolean(node, "'exists'"))
      return false;
    if (op == "in" && !node.is_sequence()) {
      reader_.error(node, "'in' needs a list of accepted values");
      return false;
    }
    if (op == "type") {
      auto name = reader_.string(node, "'type'");
      if (!name)
        return false;
      if (std::find(kTypeNames.begin(), kTypeNames.end(), *name) == kTypeNames.end()) {
        std::string suggestion = closest_match(*name, kTypeNames);
        reader_.error(node, fmt::format("unknown type '{}'", *name),
                      suggestion.empty() ? fmt::format("use one of {}", fmt::join(kTypeNames, ", "))
                                         : fmt::format("did you mean '{}'?", suggestion));
        return false;
      }
    }
    if (op == "matches") {
      auto pattern = reader_.string(node, "'matches'");
      if (!pattern)
        return false;
      if (!contains_reference(node)) {
        assertion.regex = compile_regex(node, *pattern);
        if (!assertion.regex)
          return false;
      }
    }
    if ((op == "lt" || op == "le" || op == "gt" || op == "ge" || op == "length") &&
        !node.is_scalar()) {
      reader_.error(node, fmt::format("'{}' needs a single value", op));
      return false;
    }
    return true;
  }

  YamlReader reader_;
  Diagnostics& diagnostics_;
  CompiledCache& compiled_;
  std::vector<std::string> include_stack_;
  std::vector<std::string> include_names_;
};

}  // namespace

const MappingKeys& suite_mapping_keys() {
  return kSuiteMappings;
}

std::expected<Suite, Diagnostics> load_suite(const std::string& path) {
  auto root = load_yaml_file(path);
  if (!root)
    return std::unexpected(Diagnostics{root.error()});

  Diagnostics diagnostics;
  CompiledCache compiled;
  SuiteLoader loader(path, diagnostics, compiled, {canonical_key(path)}, {path});
  Suite suite = loader.load(*root);
  if (!diagnostics.empty())
    return std::unexpected(std::move(diagnostics));
  return suite;
}

std::expected<std::vector<std::string>, Diagnostics> find_suite_files(
    const std::vector<std::string>& paths) {
  std::vector<std::string> files;
  Diagnostics diagnostics;
  for (const std::string& path : paths) {
    std::error_code error;
    if (fs::is_regular_file(path, error)) {
      files.push_back(path);
      continue;
    }
    if (!fs::is_directory(path, error)) {
      diagnostics.push_back({{path, 0, 0},
                             "suite path not found",
                             "pass a suite file or a folder that contains suite files"});
      continue;
    }
    std::vector<std::string> found;
    for (const auto& entry : fs::recursive_directory_iterator(path, error)) {
      std::string extension = entry.path().extension().string();
      if (entry.is_regular_file() && (extension == ".yaml" || extension == ".yml"))
        found.push_back(entry.path().string());
    }
    if (error) {
      diagnostics.push_back(
          {{path, 0, 0}, fmt::format("cannot read folder: {}", error.message()), {}});
      continue;
    }
    if (found.empty()) {
      diagnostics.push_back({{path, 0, 0}, "folder contains no suite files (*.yaml, *.yml)", {}});
    }
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  if (!diagnostics.empty())
    return std::unexpected(std::move(diagnostics));
  // A file named twice, or found in two folders given, runs once, where it first appears.
  std::set<fs::path> seen;
  std::erase_if(files, [&seen](const std::string& file) {
    std::error_code error;
    fs::path key = fs::weakly_canonical(file, error);
    return !seen.insert(error ? fs::path(file).lexically_normal() : key).second;
  });
  return files;
}

}  // namespace probe
