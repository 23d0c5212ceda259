#include "suite_check.h"

#include <fmt/format.h>

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
};

using Names = std::map<std::string, Definition>;

void add_mapping(Names& names, const Template& mapping, const std::string& kind) {
  if (!mapping.value.is_object())
    return;
  for (const auto& [name, value] : mapping.value.items())
    names[name] = Definition{&mapping, fmt::format("{} '{}'", kind, name)};
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
    for (const std::string& name : builtin_variables())
      run_names_[name] = Definition{};
    if (site != nullptr) {
      add_mapping(run_names_, site->variables, "site variable");
      for (const Secret& secret : site->secrets)
        run_names_[secret.name] = Definition{};
      // base_url and the others are templates of the site file, checked by check_site().
    }
    for (const auto& [name, value] : cli) {
      run_names_[name] = Definition{};
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
    Names suite_names = run_names_;
    Names suite_variables;
    add_mapping(suite_variables, suite.variables, "suite variable");
    // --var wins over suite variables, so a name set on the command line stays a plain value.
    for (const auto& [name, definition] : suite_variables) {
      if (!cli_names_.contains(name))
        suite_names[name] = definition;
    }
    for (const TestSpec& test : suite.tests) {
      Names names = suite_names;
      add_mapping(names, test.variables, "row value");
      check_steps(test.steps, names);
      check_steps(test.cleanup, names);
    }
  }

 private:
  // Checks the steps in order, adding each step's captures to `names` after its own values.
  void check_steps(const std::vector<StepSpec>& steps, Names& names) {
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
        names[capture.name] = Definition{};
    }
  }

  void check_include(const IncludeSpec& include, Names& caller) {
    check_template(include.arguments, caller);
    Names inner = run_names_;
    for (const std::string& parameter : include.parameters)
      inner[parameter] = Definition{};
    include_chain_.insert(include_chain_.begin(), include.location);
    check_template(include.defaults, run_names_);
    check_steps(include.steps, inner);
    include_chain_.erase(include_chain_.begin());
    for (const auto& [caller_name, fragment_name] : include.captures)
      caller[caller_name] = Definition{};
  }

  void check_request(const RequestSpec& request, const Names& names) {
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

  void check_template(const Template& input, const Names& names) {
    for_each_reference_string(
        input, [&](const std::string& text, const ScalarOrigin& origin, const std::string&) {
          check_text(text, origin.location, names, {});
        });
  }

  // `through` lists the variables whose definitions led here, to stop at a cycle and to say
  // which variable needs the missing one.
  void check_text(const std::string& text, const SourceLocation& used_at, const Names& names,
                  std::vector<std::string> through) {
    auto referenced = referenced_variables(text);
    if (!referenced) {
      report(used_at, referenced.error(), "write a reference as ${name}, or $${ for a literal ${");
      return;
    }
    for (const std::string& name : *referenced) {
      auto found = names.find(name);
      if (found == names.end()) {
        // Without a site file any name may still come from one.
        if (site_ == nullptr)
          continue;
        report_undefined(name, used_at, names, through);
        continue;
      }
      const Definition& definition = found->second;
      if (definition.value == nullptr)
        continue;
      if (std::find(through.begin(), through.end(), name) != through.end())
        continue;  // a cycle; the run reports it with the definition's location
      std::vector<std::string> chain = through;
      chain.push_back(name);
      const Template& mapping = *definition.value;
      std::string prefix = "/" + escape_pointer_token(name);
      for (const auto& [pointer, origin] : mapping.origins) {
        if (pointer != prefix && !pointer.starts_with(prefix + "/"))
          continue;
        const json& value = mapping.value.at(json::json_pointer(pointer));
        if (value.is_string())
          check_text(value.get<std::string>(), used_at, names, chain);
      }
    }
  }

  void report_undefined(const std::string& name, const SourceLocation& used_at, const Names& names,
                        const std::vector<std::string>& through) {
    std::string key = fmt::format("{}:{}:{}:{}", used_at.file, used_at.line, used_at.column, name);
    if (!reported_.insert(key).second)
      return;
    std::vector<std::string> candidates;
    for (const auto& [known, definition] : names)
      candidates.push_back(known);
    std::string suggestion = closest_match(name, candidates);
    std::string message =
        through.empty()
            ? fmt::format("undefined variable '{}'", name)
            : fmt::format("undefined variable '{}', used by variable '{}'", name, through.back());
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
  Names run_names_;
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
