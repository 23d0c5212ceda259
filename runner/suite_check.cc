#include "suite_check.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <set>

namespace probe {

namespace {

using nlohmann::json;

// The definition a name has where it is used: a plain value, or a template whose own references
// resolve where the name is used, because suite, site and row variables are expanded lazily.
struct Definition {
  const Template* value = nullptr;  // null for a value without references
  std::string what;                 // "suite variable 'x'", for messages
  uint64_t known_bytes = 0;         // text size of a value without references, 0 when unknown
};

using Names = std::map<std::string, Definition>;

// The names visible where values are used, and the variables already checked there.
struct VisibleNames {
  Names names;
  // Variables whose values were checked against `names` and found clean (every reference
  // defined, well-formed and within the size limit), to a lower bound of their expanded size.
  // Adding a name keeps them clean, but redefining one may change them, so define() drops them.
  std::map<std::string, uint64_t> clean;

  void define(const std::string& name, Definition definition) {
    if (!names.insert_or_assign(name, std::move(definition)).second)
      clean.clear();
  }
};

void add_mapping(Names& names, const Template& mapping, const std::string& kind) {
  if (!mapping.value.is_object())
    return;
  for (const auto& [name, value] : mapping.value.items())
    names[name] = Definition{&mapping, fmt::format("{} '{}'", kind, name)};
}

// Sizes past the limit are all equally too large, so sums stop just above it.
uint64_t add_bytes(uint64_t a, uint64_t b) {
  return std::min<uint64_t>(a + b, kMaxExpandedBytes + 1);
}

// The text bytes of `value` outside the strings that `origins` records, which hold references
// and are measured by walking them. A list or mapping counts its keys and items, not the JSON
// punctuation, so this is a lower bound of the text it becomes.
uint64_t literal_bytes(const json& value, const std::string& pointer,
                       const std::map<std::string, ScalarOrigin>& origins) {
  if (value.is_string()) {
    const auto& text = value.get_ref<const std::string&>();
    if (origins.contains(pointer) || text.find("${") != std::string::npos)
      return 0;
    return text.size();
  }
  uint64_t bytes = 0;
  if (value.is_object()) {
    for (const auto& [key, item] : value.items()) {
      bytes = add_bytes(bytes, key.size());
      bytes =
          add_bytes(bytes, literal_bytes(item, pointer + "/" + escape_pointer_token(key), origins));
    }
    return bytes;
  }
  if (value.is_array()) {
    for (size_t i = 0; i < value.size(); ++i)
      bytes = add_bytes(bytes, literal_bytes(value[i], pointer + "/" + std::to_string(i), origins));
    return bytes;
  }
  return value.is_null() ? 0 : value.dump().size();
}

// Calls `visit` with the text and origin of every string in `input` that contains "${".
void for_each_reference_string(
    const Template& input,
    const std::function<void(const std::string&, const ScalarOrigin&, const std::string&)>& visit) {
  for (const auto& [pointer, origin] : input.origins) {
    const json* value = &input.value;
    if (!pointer.empty()) {
      json::json_pointer path(pointer);
      if (!input.value.contains(path))
        continue;
      value = &input.value.at(path);
    }
    if (value->is_string())
      visit(value->get<std::string>(), origin, pointer);
  }
}

class VariableChecker {
 public:
  VariableChecker(const Site* site, const std::vector<std::pair<std::string, std::string>>& cli,
                  Diagnostics& diagnostics)
      : site_(site), diagnostics_(diagnostics) {
    Names& names = run_names_.names;
    for (const std::string& name : builtin_variables())
      names[name] = Definition{};
    if (site != nullptr) {
      add_mapping(names, site->variables, "site variable");
      for (const Secret& secret : site->secrets)
        names[secret.name] = Definition{};
      // base_url and the others are templates of the site file, checked by check_site().
    }
    for (const auto& [name, value] : cli) {
      names[name] = Definition{nullptr, {}, value.size()};
      cli_names_.insert(name);
    }
  }

  void check_site() {
    if (site_ == nullptr)
      return;
    for (const Template* value : {&site_->base_url, &site_->admin_base_url, &site_->tenant})
      check_template(*value, run_names_);
    if (site_->user) {
      check_template(site_->user->username, run_names_);
      check_template(site_->user->password, run_names_);
    }
    if (site_->service) {
      for (const Template* value :
           {&site_->service->username, &site_->service->password, &site_->service->tenant,
            &site_->service->site_id, &site_->service->base_url})
        check_template(*value, run_names_);
    }
    if (site_->variables.value.is_object())
      check_template(site_->variables, run_names_);
  }

  void check_suite(const Suite& suite) {
    VisibleNames suite_names{run_names_.names, {}};
    Names suite_variables;
    add_mapping(suite_variables, suite.variables, "suite variable");
    // --var wins over suite variables, so a name set on the command line stays a plain value.
    for (const auto& [name, definition] : suite_variables) {
      if (!cli_names_.contains(name))
        suite_names.define(name, definition);
    }
    for (const TestSpec& test : suite.tests) {
      VisibleNames names = suite_names;
      Names row_values;
      add_mapping(row_values, test.variables, "row value");
      for (const auto& [name, definition] : row_values)
        names.define(name, definition);
      check_steps(test.steps, names);
      check_steps(test.cleanup, names);
    }
  }

 private:
  // Checks the steps in order, adding each step's captures to `names` after its own values.
  void check_steps(const std::vector<StepSpec>& steps, VisibleNames& names) {
    for (const StepSpec& step : steps) {
      if (step.include) {
        check_include(*step.include, names);
        continue;
      }
      check_request(step.request, names);
      for (const AssertionSpec& assertion : step.assertions)
        check_template(assertion.expected, names);
      if (step.poll) {
        for (const AssertionSpec& assertion : step.poll->until)
          check_template(assertion.expected, names);
        for (const AssertionSpec& assertion : step.poll->fail_when)
          check_template(assertion.expected, names);
      }
      for (const CaptureSpec& capture : step.captures)
        names.define(capture.name, Definition{});
    }
  }

  void check_include(const IncludeSpec& include, VisibleNames& caller) {
    check_template(include.arguments, caller);
    VisibleNames inner{run_names_.names, {}};
    for (const std::string& parameter : include.parameters)
      inner.define(parameter, Definition{});
    include_chain_.insert(include_chain_.begin(), include.location);
    check_template(include.defaults, run_names_);
    check_steps(include.steps, inner);
    include_chain_.erase(include_chain_.begin());
    for (const auto& [caller_name, fragment_name] : include.captures)
      caller.define(caller_name, Definition{});
  }

  void check_request(const RequestSpec& request, VisibleNames& names) {
    for (const Template* value : {&request.method, &request.url, &request.query, &request.headers,
                                  &request.json, &request.form, &request.body, &request.download,
                                  &request.auth.username, &request.auth.password})
      check_template(*value, names);
    for (const MultipartSpec& part : request.multipart) {
      for (const Template* value :
           {&part.name, &part.value, &part.file, &part.filename, &part.content_type})
        check_template(*value, names);
    }
  }

  struct Walked {
    uint64_t bytes = 0;  // lower bound of the expanded size
    bool clean = false;  // no problem found and not cut short by a cycle
  };

  // The state of checking one string where it is used. Every problem found is reported at
  // `used_at`.
  struct Walk {
    SourceLocation used_at;
    // Variables already walked for this string, so each value is walked once even when a
    // definition refers to another many times.
    std::map<std::string, Walked> walked = {};
    // Variables being walked, to their depth. Meeting one of them again means a cycle.
    std::map<std::string, size_t> open = {};
    size_t problems = 0;  // counted even when the same problem was reported at `used_at` before
  };

  void check_template(const Template& input, VisibleNames& names) {
    for_each_reference_string(
        input, [&](const std::string& text, const ScalarOrigin& origin, const std::string&) {
          Walk walk{origin.location};
          size_t lowest_open = SIZE_MAX;
          walk_text(text, origin.quoted, {}, names, walk, lowest_open);
        });
  }

  // Checks the references in `text`, the value of variable `owner` (empty for the string being
  // used), and returns a lower bound of its expanded size. `lowest_open` gets the depth of the
  // outermost open variable that a cycle led back to.
  uint64_t walk_text(const std::string& text, bool quoted, const std::string& owner,
                     VisibleNames& names, Walk& walk, size_t& lowest_open) {
    auto references = parse_references(text);
    if (!references) {
      ++walk.problems;
      report(walk.used_at, references.error(),
             "write a reference as ${name}, or $${ for a literal ${");
      return 0;
    }
    uint64_t bytes = references->literal_bytes;
    for (const std::string& name : references->names)
      bytes = add_bytes(bytes, walk_reference(name, owner, names, walk, lowest_open));
    // A lone unquoted reference copies the value instead of building text, as expand() does.
    bool built = !references->lone_reference || quoted;
    if (built && bytes > kMaxExpandedBytes) {
      ++walk.problems;
      const SourceLocation& at = walk.used_at;
      if (reported_.insert(fmt::format("{}:{}:{} too large", at.file, at.line, at.column)).second) {
        Diagnostic too_large = expansion_too_large(at, owner);
        report(at, std::move(too_large.message), std::move(too_large.hint));
      }
    }
    return bytes;
  }

  uint64_t walk_reference(const std::string& name, const std::string& owner, VisibleNames& names,
                          Walk& walk, size_t& lowest_open) {
    auto found = names.names.find(name);
    if (found == names.names.end()) {
      // Without a site file any name may still come from one.
      if (site_ != nullptr) {
        ++walk.problems;
        report_undefined(name, walk.used_at, names.names, owner);
      }
      return 0;
    }
    const Definition& definition = found->second;
    if (definition.value == nullptr)
      return definition.known_bytes;
    if (auto clean = names.clean.find(name); clean != names.clean.end())
      return clean->second;
    if (auto walked = walk.walked.find(name); walked != walk.walked.end()) {
      // Its problems were reported already, but the variables that lead to it are not clean.
      if (!walked->second.clean)
        ++walk.problems;
      return walked->second.bytes;
    }
    if (auto open = walk.open.find(name); open != walk.open.end()) {
      // A cycle; the run reports it with the definition's location.
      lowest_open = std::min(lowest_open, open->second);
      return 0;
    }

    size_t depth = walk.open.size();
    walk.open[name] = depth;
    size_t problems_before = walk.problems;
    size_t own_lowest_open = SIZE_MAX;
    uint64_t bytes = walk_value(name, *definition.value, names, walk, own_lowest_open);
    walk.open.erase(name);
    // A value that led back to an enclosing variable was walked only in part.
    bool clean = walk.problems == problems_before && own_lowest_open >= depth;
    walk.walked[name] = Walked{bytes, clean};
    if (clean)
      names.clean[name] = bytes;
    lowest_open = std::min(lowest_open, own_lowest_open);
    return bytes;
  }

  // Walks the strings of variable `name`'s value in `mapping` that hold references.
  uint64_t walk_value(const std::string& name, const Template& mapping, VisibleNames& names,
                      Walk& walk, size_t& lowest_open) {
    std::string prefix = "/" + escape_pointer_token(name);
    uint64_t bytes = literal_bytes(mapping.value.at(name), prefix, mapping.origins);
    for (auto it = mapping.origins.lower_bound(prefix);
         it != mapping.origins.end() && it->first.starts_with(prefix); ++it) {
      const auto& [pointer, origin] = *it;
      if (pointer != prefix && !pointer.starts_with(prefix + "/"))
        continue;
      const json& value = mapping.value.at(json::json_pointer(pointer));
      if (value.is_string()) {
        bytes = add_bytes(bytes, walk_text(value.get<std::string>(), origin.quoted, name, names,
                                           walk, lowest_open));
      }
    }
    return bytes;
  }

  void report_undefined(const std::string& name, const SourceLocation& used_at, const Names& names,
                        const std::string& owner) {
    std::string key = fmt::format("{}:{}:{}:{}", used_at.file, used_at.line, used_at.column, name);
    if (!reported_.insert(key).second)
      return;
    std::vector<std::string> candidates;
    for (const auto& [known, definition] : names)
      candidates.push_back(known);
    std::string suggestion = closest_match(name, candidates);
    std::string message =
        owner.empty() ? fmt::format("undefined variable '{}'", name)
                      : fmt::format("undefined variable '{}', used by variable '{}'", name, owner);
    std::string hint;
    if (!suggestion.empty()) {
      hint = fmt::format("did you mean '{}'?", suggestion);
    } else if (!include_chain_.empty()) {
      hint = fmt::format(
          "a fragment sees only its parameters, the site's variables, --var and the built-ins; "
          "declare '{}' under 'parameters:' and pass it with 'with:'",
          name);
    } else {
      hint = fmt::format(
          "define '{}' under 'variables:' in the suite or site file, pass --var {}=VALUE, or "
          "capture it in an earlier step",
          name, name);
    }
    report(used_at, std::move(message), std::move(hint));
  }

  void report(const SourceLocation& where, std::string message, std::string hint) {
    diagnostics_.push_back({where, std::move(message), std::move(hint), include_chain_});
  }

  const Site* site_;
  Diagnostics& diagnostics_;
  VisibleNames run_names_;
  std::set<std::string> cli_names_;
  std::set<std::string> reported_;
  std::vector<SourceLocation> include_chain_;  // innermost include first
};

}  // namespace

const std::vector<std::string>& builtin_variables() {
  static const std::vector<std::string> names = {
      "run_id", "run_timestamp", "random", "base_url", "admin_base_url", "tenant", "site"};
  return names;
}

Diagnostics check_variables(const std::vector<Suite>& suites, const Site* site,
                            const std::vector<std::pair<std::string, std::string>>& cli_variables) {
  Diagnostics diagnostics;
  VariableChecker checker(site, cli_variables, diagnostics);
  checker.check_site();
  for (const Suite& suite : suites)
    checker.check_suite(suite);
  return diagnostics;
}

}  // namespace probe
