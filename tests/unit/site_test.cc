#include "site.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "fake_http_client.h"

namespace probe {
namespace {

using nlohmann::json;
using testing::format_all;
using testing::write_test_file;

std::string fixture(const std::string& name) {
  return std::string(PROBE_TEST_DATA) + "/suites/" + name;
}

Diagnostics load_errors(const std::string& yaml) {
  auto site = load_site(write_test_file(yaml));
  EXPECT_FALSE(site) << "the site loaded";
  if (site)
    return {};
  return site.error();
}

class SiteTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(setenv("PROBE_SITE_TEST_PASSWORD", "pw-from-env", 1), 0); }
  void TearDown() override { unsetenv("PROBE_SITE_TEST_PASSWORD"); }
};

TEST_F(SiteTest, LoadsEveryPart) {
  auto site = load_site(fixture("site.yaml"));

  ASSERT_TRUE(site) << format_all(site.error());
  EXPECT_EQ(site->name, "fixture-site");
  EXPECT_EQ(site->base_url.value, "https://dev.tapis.test");
  EXPECT_EQ(site->admin_base_url.value, "https://admin.tapis.test");
  EXPECT_EQ(site->tenant.value, "dev");
  EXPECT_EQ(site->timeout_seconds, 15);
  EXPECT_FALSE(site->verify_tls);
  EXPECT_EQ(site->ca_file, "/etc/ssl/fixture-ca.pem");
  EXPECT_EQ(site->variables.value, (json{{"username", "testuser"}, {"system_id", "sys-1"}}));
  ASSERT_EQ(site->secrets.size(), 1u);
  EXPECT_EQ(site->secrets[0].name, "user_password");
  EXPECT_EQ(site->secrets[0].value, "pw-from-env");
}

TEST_F(SiteTest, LoadsAccounts) {
  auto site = load_site(fixture("site.yaml"));
  ASSERT_TRUE(site) << format_all(site.error());

  ASSERT_TRUE(site->user.has_value());
  EXPECT_EQ(site->user->username.value, "${username}");
  EXPECT_EQ(site->user->password.value, "${user_password}");
  ASSERT_TRUE(site->service.has_value());
  EXPECT_EQ(site->service->username.value, "streams");
  EXPECT_EQ(site->service->tenant.value, "admin");
  EXPECT_EQ(site->service->site_id.value, "tacc");
  EXPECT_EQ(site->service->base_url.value, "https://admin.tapis.test");
}

TEST_F(SiteTest, Defaults) {
  auto site =
      load_site(write_test_file("base_url: https://only.tapis.test\n"
                                "auth:\n  service: {username: s, password: p}\n"));

  ASSERT_TRUE(site) << format_all(site.error());
  EXPECT_EQ(site->name, "");
  EXPECT_EQ(site->admin_base_url.value, "https://only.tapis.test");
  EXPECT_TRUE(site->verify_tls);
  EXPECT_FALSE(site->timeout_seconds.has_value());
  EXPECT_FALSE(site->user.has_value());
  ASSERT_TRUE(site->service.has_value());
  EXPECT_EQ(site->service->tenant.value, "admin");
  EXPECT_TRUE(site->service->site_id.empty());
  EXPECT_EQ(site->service->base_url.value, "https://only.tapis.test");
}

TEST_F(SiteTest, SecretFromFileDropsTrailingNewline) {
  std::string secret_file = write_test_file("pw-from-file\n", ".secret");

  auto site = load_site(
      write_test_file("base_url: https://x.test\nsecrets:\n  pw: {file: " + secret_file + "}\n"));

  ASSERT_TRUE(site) << format_all(site.error());
  ASSERT_EQ(site->secrets.size(), 1u);
  EXPECT_EQ(site->secrets[0].value, "pw-from-file");
}

TEST_F(SiteTest, ReportsEveryErrorWithLocation) {
  const std::string path = fixture("site-errors.yaml");

  auto site = load_site(path);

  ASSERT_FALSE(site);
  const Diagnostics& all = site.error();
  ASSERT_EQ(all.size(), 6u) << format_all(all);
  for (const Diagnostic& diagnostic : all)
    EXPECT_EQ(diagnostic.location.file, path);

  EXPECT_EQ(all[0].message, "unknown key 'base_ur' in the site file");
  EXPECT_EQ(all[0].hint, "did you mean 'base_url'?");
  EXPECT_EQ(all[0].location.line, 2);
  EXPECT_EQ(all[0].location.column, 1);

  EXPECT_EQ(all[1].message, "the site file has no 'base_url'");

  EXPECT_EQ(all[2].message, "'tls.verify' must be true or false");
  EXPECT_EQ(all[2].location.line, 4);
  EXPECT_EQ(all[2].location.column, 11);

  EXPECT_EQ(all[3].message, "secret 'both' needs exactly one of 'env' and 'file'");
  EXPECT_EQ(all[3].location.line, 6);
  EXPECT_EQ(all[3].location.column, 9);

  EXPECT_EQ(all[4].message,
            "secret 'unset': environment variable 'PROBE_SITE_TEST_UNSET_VARIABLE' is not set");
  EXPECT_EQ(all[4].location.line, 7);
  EXPECT_EQ(all[4].location.column, 16);

  EXPECT_EQ(all[5].message, "'auth.user' has no 'password'");
  EXPECT_EQ(all[5].location.line, 9);
  EXPECT_EQ(all[5].location.column, 9);
}

TEST_F(SiteTest, UnreadableSecretFile) {
  Diagnostics errors =
      load_errors("base_url: https://x.test\nsecrets:\n  pw: {file: /nonexistent/probe/secret}\n");

  ASSERT_EQ(errors.size(), 1u) << format_all(errors);
  EXPECT_EQ(errors[0].message, "secret 'pw': cannot read file '/nonexistent/probe/secret'");
  EXPECT_EQ(errors[0].location.line, 3);
}

TEST_F(SiteTest, ServiceNeedsPassword) {
  Diagnostics errors = load_errors("base_url: https://x.test\nauth:\n  service: {username: s}\n");

  ASSERT_EQ(errors.size(), 1u) << format_all(errors);
  EXPECT_EQ(errors[0].message, "'auth.service' has no 'password'");
}

TEST_F(SiteTest, DuplicateVariableReportedOnce) {
  Diagnostics errors = load_errors("base_url: https://x.test\nvariables:\n  a: 1\n  a: 2\n");

  ASSERT_EQ(errors.size(), 1u) << format_all(errors);
  EXPECT_EQ(errors[0].message, "duplicate key 'a'");
  EXPECT_EQ(errors[0].location.line, 4);
}

TEST_F(SiteTest, UnknownAuthKeySuggests) {
  Diagnostics errors =
      load_errors("base_url: https://x.test\nauth:\n  usr: {username: u, password: p}\n");

  ASSERT_EQ(errors.size(), 1u) << format_all(errors);
  EXPECT_EQ(errors[0].message, "unknown key 'usr' in 'auth'");
  EXPECT_EQ(errors[0].hint, "did you mean 'user'?");
}

}  // namespace
}  // namespace probe
