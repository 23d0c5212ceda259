// Site files: where a Tapis tenant lives, the accounts and ids suites need, and its secrets.
#pragma once

#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "diagnostic.h"
#include "mapping_keys.h"
#include "template.h"

namespace probe {

// The password grant for a tenant user (POST /v3/oauth2/tokens).
struct UserAccount {
  Template username;
  Template password;
};

// A service account that mints tokens at POST /v3/tokens with basic auth, then acts for
// itself through X-Tapis-User and X-Tapis-Tenant.
struct ServiceAccount {
  Template username;
  Template password;
  Template tenant;    // token_tenant_id and X-Tapis-Tenant; "admin" when absent
  Template site_id;   // target_site_id; left out when absent
  Template base_url;  // where /v3/tokens lives; the site's admin_base_url when absent
};

struct Secret {
  std::string name;
  std::string value;
};

struct Site {
  std::string file;
  std::string name;
  Template base_url;
  Template admin_base_url;  // base_url when absent
  Template tenant;
  bool verify_tls = true;
  std::string ca_file;
  std::optional<double> timeout_seconds;  // default step timeout for suites run against this site
  Template variables;                     // mapping of name to value, or empty
  std::vector<Secret> secrets;            // resolved from the environment or files at load
  std::optional<UserAccount> user;
  std::optional<ServiceAccount> service;
};

// Loads a site file and reads its secrets. Reports every problem found. With `read_secrets`
// false the secrets are only named, with empty values, and their sources are not read: for
// checking files on a machine that does not hold the secrets.
std::expected<Site, Diagnostics> load_site(const std::string& path, bool read_secrets = true);

// The site files of one run: those that loaded, and the problems of all of them.
struct LoadedSites {
  std::vector<Site> sites;
  Diagnostics diagnostics;
};

// Loads every site file, as load_site() does, and reports all their problems. Two sites may not
// share a name, because reports tell their results apart by it.
LoadedSites load_sites(const std::vector<std::string>& paths, bool read_secrets = true);

// The keys that each kind of mapping in a site file accepts, by kind ("site", "tls", ...). Each
// kind is also a $defs entry of schemas/site.schema.json.
const MappingKeys& site_mapping_keys();

}  // namespace probe
