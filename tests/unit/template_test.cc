#include "template.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "fake_http_client.h"
#include "yaml_reader.h"

namespace probe {
namespace {

using nlohmann::json;

// Converts YAML text to a Template the way the suite loader does, attributing it to "suite.yaml".
Template from_yaml(const std::string& text) {
  Diagnostics diagnostics;
  YamlReader reader("suite.yaml", diagnostics);
  Template out = reader.to_template(testing::parse_test_yaml(text));
  EXPECT_TRUE(diagnostics.empty()) << diagnostics.front().message;
  return out;
}

Binding value_binding(json value) {
  return Binding{std::move(value), false, false, {}, {}};
}

// A variable whose value is itself a template, as suite and site variables are.
Binding template_binding(const std::string& yaml_value) {
  Template parsed = from_yaml(yaml_value);
  return Binding{parsed.value, true, false, parsed.location, parsed.origins};
}

TEST(Template, PlainReferenceKeepsIntegerType) {
  Scope scope;
  scope.set("count", value_binding(42));

  auto expanded = expand(from_yaml("body:\n  count: ${count}\n"), scope);

  ASSERT_TRUE(expanded) << expanded.error().message;
  EXPECT_TRUE((*expanded)["body"]["count"].is_number_integer());
  EXPECT_EQ((*expanded)["body"]["count"], 42);
}

TEST(Template, PlainReferenceKeepsObjectAndBoolean) {
  Scope scope;
  scope.set("owner", value_binding(json{{"id", 7}, {"tags", {"a", "b"}}}));
  scope.set("enabled", value_binding(false));

  auto expanded = expand(from_yaml("owner: ${owner}\nenabled: ${enabled}\n"), scope);

  ASSERT_TRUE(expanded) << expanded.error().message;
  EXPECT_EQ((*expanded)["owner"], (json{{"id", 7}, {"tags", {"a", "b"}}}));
  EXPECT_EQ((*expanded)["enabled"], false);
}

TEST(Template, ReferenceInsideTextIsText) {
  Scope scope;
  scope.set("count", value_binding(42));
  scope.set("ratio", value_binding(1.5));

  auto expanded = expand(from_yaml("id: job-${count}\nlabel: ${count}/${ratio}\n"), scope);

  ASSERT_TRUE(expanded) << expanded.error().message;
  EXPECT_EQ((*expanded)["id"], "job-42");
  EXPECT_EQ((*expanded)["label"], "42/1.5");
}

TEST(Template, QuotedReferenceIsText) {
  Scope scope;
  scope.set("count", value_binding(42));

  auto expanded = expand(from_yaml("double: \"${count}\"\nsingle: '${count}'\n"), scope);

  ASSERT_TRUE(expanded) << expanded.error().message;
  EXPECT_EQ((*expanded)["double"], "42");
  EXPECT_EQ((*expanded)["single"], "42");
}

TEST(Template, UndefinedVariableNamesItAndLocation) {
  Scope scope;

  auto expanded = expand(from_yaml("request:\n  url: /v3/systems/${system_id}\n"), scope);

  ASSERT_FALSE(expanded);
  EXPECT_EQ(expanded.error().message, "undefined variable 'system_id'");
  EXPECT_EQ(expanded.error().location.file, "suite.yaml");
  EXPECT_EQ(expanded.error().location.line, 2);
  EXPECT_EQ(expanded.error().location.column, 8);
}

TEST(Template, UndefinedVariableIsNeverEmptyText) {
  Scope scope;
  scope.set("defined", value_binding("x"));

  auto whole = expand(from_yaml("${missing}"), scope);
  auto inside = expand(from_yaml("a ${defined} b ${missing} c"), scope);
  auto quoted = expand_text(from_yaml("\"${missing}\""), scope);

  ASSERT_FALSE(whole);
  ASSERT_FALSE(inside);
  ASSERT_FALSE(quoted);
  EXPECT_EQ(inside.error().message, "undefined variable 'missing'");
}

TEST(Template, DoubleDollarWritesLiteral) {
  Scope scope;
  scope.set("name", value_binding("probe"));

  auto literal = expand(from_yaml("$${name}"), scope);
  auto mixed = expand(from_yaml("echo $${HOME} for ${name}"), scope);

  ASSERT_TRUE(literal) << literal.error().message;
  ASSERT_TRUE(mixed) << mixed.error().message;
  EXPECT_EQ(*literal, "${name}");
  EXPECT_EQ(*mixed, "echo ${HOME} for probe");
}

TEST(Template, DoubleDollarNeedsNoDefinition) {
  Scope scope;

  auto literal = expand(from_yaml("$${undefined_here}"), scope);

  ASSERT_TRUE(literal) << literal.error().message;
  EXPECT_EQ(*literal, "${undefined_here}");
}

TEST(Template, EnvironmentReference) {
  ASSERT_EQ(setenv("PROBE_TEMPLATE_TEST_VALUE", "from-env", 1), 0);
  Scope scope;

  auto expanded = expand(from_yaml("v-${env.PROBE_TEMPLATE_TEST_VALUE}"), scope);

  ASSERT_TRUE(expanded) << expanded.error().message;
  EXPECT_EQ(*expanded, "v-from-env");
  unsetenv("PROBE_TEMPLATE_TEST_VALUE");
}

TEST(Template, UnsetEnvironmentVariableIsError) {
  unsetenv("PROBE_TEMPLATE_TEST_UNSET");
  Scope scope;

  auto expanded = expand(from_yaml("${env.PROBE_TEMPLATE_TEST_UNSET}"), scope);

  ASSERT_FALSE(expanded);
  EXPECT_NE(expanded.error().message.find("PROBE_TEMPLATE_TEST_UNSET"), std::string::npos)
      << expanded.error().message;
}

TEST(Template, InnerScopeWins) {
  Scope site;
  site.set("name", value_binding("site"));
  site.set("only_site", value_binding("kept"));
  Scope suite(&site);
  suite.set("name", value_binding("suite"));
  Scope captures(&suite);
  captures.set("name", value_binding("captured"));

  auto expanded = expand(from_yaml("${name}/${only_site}"), captures);

  ASSERT_TRUE(expanded) << expanded.error().message;
  EXPECT_EQ(*expanded, "captured/kept");
}

TEST(Template, VariablesResolveLazily) {
  // The outer variable references one that only the inner scope defines, and expands to the
  // inner value at expansion time.
  Scope outer;
  outer.set("url", template_binding("${base}/v3/${service}"));
  outer.set("service", value_binding("systems"));
  Scope inner(&outer);
  inner.set("base", value_binding("https://tenant.example"));
  inner.set("service", value_binding("apps"));

  auto expanded = expand(from_yaml("${url}"), inner);

  ASSERT_TRUE(expanded) << expanded.error().message;
  EXPECT_EQ(*expanded, "https://tenant.example/v3/apps");
}

TEST(Template, TemplateVariableKeepsType) {
  Scope scope;
  scope.set("limit", template_binding("${max}"));
  scope.set("max", value_binding(250));

  auto expanded = expand(from_yaml("query:\n  limit: ${limit}\n"), scope);

  ASSERT_TRUE(expanded) << expanded.error().message;
  EXPECT_EQ((*expanded)["query"]["limit"], 250);
}

TEST(Template, ChainOfVariablesResolves) {
  Scope scope;
  scope.set("v0", value_binding("end"));
  for (int i = 1; i <= 10; ++i)
    scope.set("v" + std::to_string(i), template_binding("${v" + std::to_string(i - 1) + "}"));

  auto expanded = expand(from_yaml("${v10}"), scope);

  ASSERT_TRUE(expanded) << expanded.error().message;
  EXPECT_EQ(*expanded, "end");
}

TEST(Template, CycleIsError) {
  Scope scope;
  scope.set("a", template_binding("x-${b}"));
  scope.set("b", template_binding("${a}"));

  auto expanded = expand(from_yaml("${a}"), scope);

  ASSERT_FALSE(expanded);
  EXPECT_NE(expanded.error().message.find("is defined in terms of itself"), std::string::npos)
      << expanded.error().message;
}

TEST(Template, SelfReferenceIsError) {
  Scope scope;
  scope.set("path", template_binding("${path}/more"));

  auto expanded = expand(from_yaml("${path}"), scope);

  ASSERT_FALSE(expanded);
  EXPECT_EQ(expanded.error().message, "variable 'path' is defined in terms of itself");
}

TEST(Template, CycleWithRepeatedReferencesStops) {
  // Each level references the next one twice; without an early stop this would take 2^32 steps.
  Scope scope;
  scope.set("a", template_binding("${b}${b}"));
  scope.set("b", template_binding("${a}${a}"));

  auto expanded = expand(from_yaml("${a}"), scope);

  ASSERT_FALSE(expanded);
  EXPECT_NE(expanded.error().message.find("is defined in terms of itself"), std::string::npos);
}

TEST(Template, DoublingChainStopsAtSizeLimit) {
  // ${v30} would be 10 GiB. v16 is 640 KiB, so building v17 (1.25 MiB) fails.
  Scope scope;
  scope.set("v0", value_binding("xxxxxxxxxx"));
  for (int i = 1; i <= 30; ++i) {
    std::string previous = "${v" + std::to_string(i - 1) + "}";
    scope.set("v" + std::to_string(i), template_binding("\"" + previous + previous + "\""));
  }

  auto expanded = expand(from_yaml("url: /x/${v30}\n"), scope);

  ASSERT_FALSE(expanded);
  EXPECT_EQ(expanded.error().message, "variable 'v17' expands to more than 1 MiB");
  EXPECT_NE(expanded.error().hint.find("at most 1 MiB"), std::string::npos)
      << expanded.error().hint;
  // The location is that of the references in v17's value.
  EXPECT_EQ(expanded.error().location.file, "suite.yaml");
  EXPECT_EQ(expanded.error().location.line, 1);
  EXPECT_EQ(expanded.error().location.column, 1);
}

TEST(Template, CapturedValueBeyondLimitInText) {
  Scope scope;
  scope.set("captured", value_binding(std::string(kMaxExpandedBytes, 'x')));

  auto alone = expand(from_yaml("\"${captured}\""), scope);
  auto copied = expand(from_yaml("body: ${captured}\n"), scope);
  auto longer = expand(from_yaml("body: got ${captured}\n"), scope);

  ASSERT_TRUE(alone) << alone.error().message;
  EXPECT_EQ(alone->get_ref<const std::string&>().size(), kMaxExpandedBytes);
  ASSERT_TRUE(copied) << copied.error().message;
  ASSERT_FALSE(longer);
  EXPECT_EQ(longer.error().message, "the value expands to more than 1 MiB");
  EXPECT_EQ(longer.error().location.line, 1);
  EXPECT_EQ(longer.error().location.column, 7);
}

TEST(Template, CapturedTextIsNotExpandedAgain) {
  Scope scope;
  scope.set("captured", value_binding("${secret_name}"));

  auto expanded = expand(from_yaml("got ${captured}"), scope);

  ASSERT_TRUE(expanded) << expanded.error().message;
  EXPECT_EQ(*expanded, "got ${secret_name}");
}

TEST(Template, MalformedReferencesAreErrors) {
  Scope scope;
  scope.set("a", value_binding("x"));

  for (const char* text : {"${}", "${a", "${1abc}", "${a b}", "pre ${a!} post"}) {
    auto expanded = expand(from_yaml(std::string("\"") + text + "\""), scope);
    EXPECT_FALSE(expanded) << text;
  }
}

TEST(Template, ExpandTextRejectsList) {
  Scope scope;
  scope.set("ids", value_binding(json{1, 2}));

  auto whole = expand_text(from_yaml("${ids}"), scope);
  auto inside = expand_text(from_yaml("ids=${ids}"), scope);

  ASSERT_FALSE(whole);
  ASSERT_TRUE(inside) << inside.error().message;
  EXPECT_EQ(*inside, "ids=[1,2]");
}

TEST(Template, ReferencedVariablesSkipsEnvAndLiterals) {
  auto names = referenced_variables("${a}-$${b}-${env.HOME}-${c.d}");

  ASSERT_TRUE(names) << names.error();
  EXPECT_EQ(*names, (std::vector<std::string>{"a", "c.d"}));
}

}  // namespace
}  // namespace probe
