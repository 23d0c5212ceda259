#include "site.h"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "yaml_reader.h"

namespace probe {

namespace {

// The keys that each kind of mapping in a site file accepts. The unknown-key check reads its lists
// from here, and a unit test compares every entry with the $defs entry of the same name in
// schemas/site.schema.json, so a key added here must be added to the schema as well.
const MappingKeys kSiteMappings = {
    {"site",
     {"name", "base_url", "admin_base_url", "tenant", "tls", "timeout", "variables", "secrets",
      "auth"}},
    {"tls", {"verify", "ca_file"}},
    {"auth", {"user", "service"}},
    {"user", {"username", "password"}},
    {"service", {"username", "password", "tenant", "site_id", "base_url"}},
    {"secret", {"env", "file"}},
};

// The accepted keys of a kind of mapping in kSiteMappings.
const std::vector<std::string>& keys_of(const std::string& kind) {
  return kSiteMappings.at(kind);
}

class SiteLoader {
 public:
  SiteLoader(const std::string& file, Diagnostics& diagnostics, bool read_secrets)
      : reader_(file, diagnostics), read_secrets_(read_secrets) {}

  Site load(const yaml::Node& root) {
    Site site;
    site.file = reader_.file();
    if (!reader_.expect_map(root, "the site file", keys_of("site")))
      return site;

    site.name = root["name"] ? reader_.string(root["name"], "'name'").value_or("") : "";
    if (root["base_url"]) {
      site.base_url = reader_.to_template(root["base_url"]);
    } else {
      reader_.error(root, "the site file has no 'base_url'",
                    "add 'base_url: https://TENANT.tapis.io'");
    }
    site.admin_base_url =
        root["admin_base_url"] ? reader_.to_template(root["admin_base_url"]) : site.base_url;
    if (root["tenant"])
      site.tenant = reader_.to_template(root["tenant"]);
    if (root["timeout"])
      site.timeout_seconds = reader_.duration(root["timeout"], "'timeout'");
    if (root["tls"])
      read_tls(root["tls"], site);
    if (root["variables"])
      read_variables(root["variables"], site);
    if (root["secrets"])
      read_secrets(root["secrets"], site);
    if (root["auth"])
      read_auth(root["auth"], site);
    return site;
  }

 private:
  void read_variables(const yaml::Node& node, Site& site) {
    if (!node.is_map()) {
      reader_.error(node, "'variables' must be a mapping of names to values");
      return;
    }
    site.variables = reader_.to_template(node);  // reports duplicate keys
  }

  void read_tls(const yaml::Node& node, Site& site) {
    if (!reader_.expect_map(node, "'tls'", keys_of("tls")))
      return;
    if (node["verify"])
      site.verify_tls = reader_.boolean(node["verify"], "'tls.verify'").value_or(true);
    if (node["ca_file"])
      site.ca_file = reader_.string(node["ca_file"], "'tls.ca_file'").value_or("");
  }

  void read_secrets(const yaml::Node& node, Site& site) {
    if (!reader_.expect_map(node, "'secrets'", {}))
      return;
    for (const auto& [key, source] : node.entries()) {
      std::string name(key.scalar());
      std::string what = fmt::format("secret '{}'", name);
      if (!reader_.expect_map(source, what, keys_of("secret")))
        continue;
      if (source.size() != 1 || (!source["env"] && !source["file"])) {
        reader_.error(source, fmt::format("{} needs exactly one of 'env' and 'file'", what),
                      "secrets are never written in the site file itself");
        continue;
      }
      if (!read_secrets_) {
        if (reader_.string((*source.entries().begin()).second, "the secret's source"))
          site.secrets.push_back({name, ""});
        continue;
      }
      std::optional<std::string> value =
          source["env"] ? from_env(source["env"], what) : from_file(source["file"], what);
      if (value)
        site.secrets.push_back({name, *value});
    }
  }

  std::optional<std::string> from_env(const yaml::Node& node, const std::string& what) {
    auto variable = reader_.string(node, "'env'");
    if (!variable)
      return std::nullopt;
    const char* value = std::getenv(variable->c_str());
    if (value == nullptr) {
      reader_.error(node, fmt::format("{}: environment variable '{}' is not set", what, *variable),
                    fmt::format("export {} before the run", *variable));
      return std::nullopt;
    }
    return std::string(value);
  }

  std::optional<std::string> from_file(const yaml::Node& node, const std::string& what) {
    auto path = reader_.string(node, "'file'");
    if (!path)
      return std::nullopt;
    std::ifstream in(*path, std::ios::binary);
    if (!in) {
      reader_.error(node, fmt::format("{}: cannot read file '{}'", what, *path),
                    "check the path and that this user may read it");
      return std::nullopt;
    }
    std::stringstream content;
    content << in.rdbuf();
    std::string value = content.str();
    while (!value.empty() && (value.back() == '\n' || value.back() == '\r'))
      value.pop_back();
    return value;
  }

  void read_auth(const yaml::Node& node, Site& site) {
    if (!reader_.expect_map(node, "'auth'", keys_of("auth")))
      return;
    if (const yaml::Node user = node["user"];
        user && reader_.expect_map(user, "'auth.user'", keys_of("user"))) {
      if (require(user, "'auth.user'", keys_of("user")))
        site.user = UserAccount{reader_.to_template(user["username"]),
                                reader_.to_template(user["password"])};
    }
    if (const yaml::Node service = node["service"];
        service && reader_.expect_map(service, "'auth.service'", keys_of("service"))) {
      if (!require(service, "'auth.service'", {"username", "password"}))
        return;
      ServiceAccount account;
      account.username = reader_.to_template(service["username"]);
      account.password = reader_.to_template(service["password"]);
      account.tenant =
          service["tenant"] ? reader_.to_template(service["tenant"]) : Template{"admin", {}, {}};
      if (service["site_id"])
        account.site_id = reader_.to_template(service["site_id"]);
      account.base_url =
          service["base_url"] ? reader_.to_template(service["base_url"]) : site.admin_base_url;
      site.service = std::move(account);
    }
  }

  bool require(const yaml::Node& node, const std::string& what,
               const std::vector<std::string>& keys) {
    bool complete = true;
    for (const std::string& key : keys) {
      if (!node[key]) {
        reader_.error(node, fmt::format("{} has no '{}'", what, key));
        complete = false;
      }
    }
    return complete;
  }

  YamlReader reader_;
  bool read_secrets_;
};

}  // namespace

const MappingKeys& site_mapping_keys() {
  return kSiteMappings;
}

std::expected<Site, Diagnostics> load_site(const std::string& path, bool read_secrets) {
  auto root = load_yaml_file(path);
  if (!root)
    return std::unexpected(Diagnostics{root.error()});
  Diagnostics diagnostics;
  SiteLoader loader(path, diagnostics, read_secrets);
  Site site = loader.load(*root);
  if (!diagnostics.empty())
    return std::unexpected(std::move(diagnostics));
  return site;
}

LoadedSites load_sites(const std::vector<std::string>& paths, bool read_secrets) {
  LoadedSites loaded;
  for (const std::string& path : paths) {
    auto site = load_site(path, read_secrets);
    if (!site) {
      loaded.diagnostics.insert(loaded.diagnostics.end(), site.error().begin(), site.error().end());
      continue;
    }
    for (const Site& earlier : loaded.sites) {
      if (earlier.name == site->name) {
        Diagnostic duplicate;
        duplicate.location.file = site->file;
        duplicate.message = fmt::format("site name '{}' is also the name of site file '{}'",
                                        site->name, earlier.file);
        duplicate.hint = "give each site file passed with --site its own 'name'";
        loaded.diagnostics.push_back(std::move(duplicate));
      }
    }
    loaded.sites.push_back(std::move(*site));
  }
  return loaded;
}

}  // namespace probe
