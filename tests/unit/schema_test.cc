// Agreement between the runner's loaders and the JSON Schemas in schemas/: the same keys in every
// kind of mapping, and the same verdict on the broken files of tests/data/schema-invalid/.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "fake_http_client.h"
#include "site.h"
#include "suite_loader.h"

namespace probe {
namespace {

using nlohmann::json;
using testing::format_all;

namespace fs = std::filesystem;

json read_schema(const std::string& name) {
  std::ifstream in(std::string(PROBE_SOURCE_DIR) + "/schemas/" + name);
  EXPECT_TRUE(in) << "cannot read schemas/" << name;
  return json::parse(in, nullptr, /*allow_exceptions=*/true, /*ignore_comments=*/false);
}

std::set<std::string> sorted(const std::vector<std::string>& keys) {
  return {keys.begin(), keys.end()};
}

std::string joined(const std::set<std::string>& keys) {
  std::string out;
  for (const std::string& key : keys)
    out += (out.empty() ? "" : ", ") + key;
  return out;
}

std::set<std::string> difference(const std::set<std::string>& a, const std::set<std::string>& b) {
  std::set<std::string> out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::inserter(out, out.end()));
  return out;
}

// Checks that every kind of mapping in the loader's table is a $defs entry of the same name that
// rejects unknown keys and lists exactly the loader's keys as properties. Every $defs entry that
// rejects unknown keys must in turn be such a kind.
void expect_schema_matches(const MappingKeys& loader_kinds, const json& schema) {
  const json& defs = schema.at("$defs");
  for (const auto& [kind, keys] : loader_kinds) {
    SCOPED_TRACE("mapping kind '" + kind + "'");
    ASSERT_TRUE(defs.contains(kind)) << "the schema has no $defs entry for it";
    const json& def = defs.at(kind);
    EXPECT_EQ(def.value("type", ""), "object");
    EXPECT_EQ(def.value("additionalProperties", json()), json(false))
        << "the loader rejects unknown keys, so the schema must too";
    std::set<std::string> schema_keys;
    if (def.contains("properties")) {
      for (const auto& [key, value] : def.at("properties").items())
        schema_keys.insert(key);
    }
    std::set<std::string> accepted = sorted(keys);
    EXPECT_EQ(joined(difference(accepted, schema_keys)), "") << "keys missing from the schema";
    EXPECT_EQ(joined(difference(schema_keys, accepted)), "") << "keys the loader rejects";
  }
  for (const auto& [name, def] : defs.items()) {
    if (def.is_object() && def.value("additionalProperties", json()) == json(false)) {
      EXPECT_TRUE(loader_kinds.contains(name))
          << "$defs entry '" << name << "' rejects unknown keys but is no mapping of the loader";
    }
  }
}

TEST(SchemaKeys, SuiteSchemaMatchesLoader) {
  expect_schema_matches(suite_mapping_keys(), read_schema("suite.schema.json"));
}

TEST(SchemaKeys, SiteSchemaMatchesLoader) {
  expect_schema_matches(site_mapping_keys(), read_schema("site.schema.json"));
}

// The text after "# loader-error:" in a broken file.
std::string expected_loader_error(const std::string& path) {
  std::ifstream in(path);
  const std::string marker = "# loader-error:";
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with(marker)) {
      size_t start = line.find_first_not_of(' ', marker.size());
      return start == std::string::npos ? "" : line.substr(start);
    }
  }
  return "";
}

std::vector<std::string> invalid_files(const std::string& folder) {
  std::vector<std::string> files;
  for (const auto& entry :
       fs::directory_iterator(std::string(PROBE_TEST_DATA) + "/schema-invalid/" + folder)) {
    if (entry.path().extension() == ".yaml")
      files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

template <typename Loaded>
void expect_rejected(const std::string& file, const Loaded& loaded) {
  SCOPED_TRACE(file);
  std::string expected = expected_loader_error(file);
  ASSERT_FALSE(expected.empty()) << "the file has no '# loader-error: TEXT' line";
  ASSERT_FALSE(loaded) << "the loader accepted it";
  std::string messages = format_all(loaded.error());
  EXPECT_NE(messages.find(expected), std::string::npos)
      << "expected an error containing \"" << expected << "\", got:\n"
      << messages;
}

TEST(SchemaFiles, InvalidSuitesFailToLoad) {
  std::vector<std::string> files = invalid_files("suites");
  ASSERT_FALSE(files.empty());
  for (const std::string& file : files)
    expect_rejected(file, load_suite(file));
}

TEST(SchemaFiles, InvalidSitesFailToLoad) {
  std::vector<std::string> files = invalid_files("sites");
  ASSERT_FALSE(files.empty());
  for (const std::string& file : files)
    expect_rejected(file, load_site(file));
}

}  // namespace
}  // namespace probe
