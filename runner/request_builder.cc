#include "request_builder.h"

#include <curl/curl.h>
#include <fmt/format.h>
#include <strings.h>
#include <unistd.h>

namespace probe {

namespace {

using nlohmann::json;

std::string as_text(const json& value) {
  if (value.is_string())
    return value.get<std::string>();
  if (value.is_null())
    return {};
  return value.dump();
}

// Expands a mapping template into name/value pairs, in the mapping's key order.
std::expected<HeaderList, Diagnostic> expand_pairs(const Template& mapping, const Scope& scope) {
  HeaderList pairs;
  if (mapping.empty())
    return pairs;
  auto expanded = expand(mapping, scope);
  if (!expanded)
    return std::unexpected(expanded.error());
  for (const auto& [name, value] : expanded->items())
    pairs.emplace_back(name, as_text(value));
  return pairs;
}

void set_header(HeaderList& headers, const std::string& name, const std::string& value) {
  for (auto& [key, existing] : headers) {
    if (strcasecmp(key.c_str(), name.c_str()) == 0) {
      existing = value;
      return;
    }
  }
  headers.emplace_back(name, value);
}

bool has_header(const HeaderList& headers, const std::string& name) {
  for (const auto& [key, value] : headers) {
    if (strcasecmp(key.c_str(), name.c_str()) == 0)
      return true;
  }
  return false;
}

std::string encode_pairs(const HeaderList& pairs) {
  std::string out;
  for (const auto& [name, value] : pairs) {
    if (!out.empty())
      out += '&';
    out += url_encode(name) + "=" + url_encode(value);
  }
  return out;
}

std::expected<std::string, Diagnostic> resolve_url(const RequestSpec& spec, const Site& site,
                                                   const Scope& scope) {
  auto url = expand_text(spec.url, scope);
  if (!url)
    return url;
  if (url->starts_with("/")) {
    auto base = expand_text(site.base_url, scope);
    if (!base)
      return base;
    std::string prefix = *base;
    while (!prefix.empty() && prefix.back() == '/')
      prefix.pop_back();
    *url = prefix + *url;
  }
  if (!url->starts_with("http://") && !url->starts_with("https://")) {
    return std::unexpected(Diagnostic{
        spec.url.location,
        fmt::format("invalid URL \"{}\": it must start with http://, https:// or /", *url),
        "write a full URL, or a path such as /v3/systems to use the site's base_url"});
  }
  return url;
}

// Expands an optional text template; an empty template gives an empty string.
std::expected<std::string, Diagnostic> optional_text(const Template& input, const Scope& scope) {
  if (input.empty())
    return std::string();
  return expand_text(input, scope);
}

std::expected<void, Diagnostic> add_multipart(const RequestSpec& spec, const Scope& scope,
                                              HttpRequest& request) {
  for (const MultipartSpec& part_spec : spec.multipart) {
    MultipartPart part;
    for (auto [input, output] :
         {std::pair{&part_spec.name, &part.name}, std::pair{&part_spec.value, &part.value},
          std::pair{&part_spec.file, &part.file_path},
          std::pair{&part_spec.filename, &part.filename},
          std::pair{&part_spec.content_type, &part.content_type}}) {
      auto text = optional_text(*input, scope);
      if (!text)
        return std::unexpected(text.error());
      *output = std::move(*text);
    }
    if (part_spec.generate_size)
      part.generated.emplace(*part_spec.generate_size, part_spec.generate_seed);
    if (!part.file_path.empty() && access(part.file_path.c_str(), R_OK) != 0) {
      return std::unexpected(Diagnostic{
          part_spec.location, fmt::format("cannot read upload file '{}'", part.file_path),
          "check the path; a relative path starts from the working folder"});
    }
    request.multipart.push_back(std::move(part));
  }
  return {};
}

std::expected<void, Diagnostic> add_body(const RequestSpec& spec, const Scope& scope,
                                         HttpRequest& request) {
  if (spec.has_json) {
    auto body = expand(spec.json, scope);
    if (!body)
      return std::unexpected(body.error());
    try {
      request.body = body->dump();
    } catch (const json::type_error&) {
      return std::unexpected(
          Diagnostic{spec.json.location, "the JSON body contains text that is not valid UTF-8",
                     "send text that is not UTF-8 with 'body:' instead of 'json:'"});
    }
    if (!has_header(request.headers, "Content-Type"))
      request.headers.emplace_back("Content-Type", "application/json");
  } else if (!spec.form.empty()) {
    auto fields = expand_pairs(spec.form, scope);
    if (!fields)
      return std::unexpected(fields.error());
    request.body = encode_pairs(*fields);
    if (!has_header(request.headers, "Content-Type"))
      request.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  } else if (!spec.body.empty()) {
    auto body = expand_text(spec.body, scope);
    if (!body)
      return std::unexpected(body.error());
    request.body = *body;
  } else if (!spec.multipart.empty()) {
    return add_multipart(spec, scope, request);
  }
  return {};
}

}  // namespace

std::string url_encode(const std::string& text) {
  char* encoded = curl_easy_escape(nullptr, text.data(), static_cast<int>(text.size()));
  if (encoded == nullptr)
    return text;
  std::string out(encoded);
  curl_free(encoded);
  return out;
}

std::expected<HttpRequest, Diagnostic> build_request(const RequestSpec& spec,
                                                     const Defaults& defaults, const Site& site,
                                                     const Scope& scope) {
  HttpRequest request;
  if (!spec.method.empty()) {
    auto method = expand_text(spec.method, scope);
    if (!method)
      return std::unexpected(method.error());
    request.method = *method;
  }

  auto url = resolve_url(spec, site, scope);
  if (!url)
    return std::unexpected(url.error());
  request.url = *url;
  auto query = expand_pairs(spec.query, scope);
  if (!query)
    return std::unexpected(query.error());
  if (!query->empty())
    request.url += (request.url.find('?') == std::string::npos ? "?" : "&") + encode_pairs(*query);

  auto default_headers = expand_pairs(defaults.headers, scope);
  if (!default_headers)
    return std::unexpected(default_headers.error());
  auto headers = expand_pairs(spec.headers, scope);
  if (!headers)
    return std::unexpected(headers.error());
  request.headers = *default_headers;
  for (const auto& [name, value] : *headers)
    set_header(request.headers, name, value);

  auto body = add_body(spec, scope, request);
  if (!body)
    return std::unexpected(body.error());

  request.timeout_seconds = spec.timeout_seconds.value_or(
      defaults.timeout_seconds.value_or(site.timeout_seconds.value_or(kDefaultStepTimeoutSeconds)));
  request.follow_redirects = spec.follow_redirects.value_or(defaults.follow_redirects);
  request.max_redirects = static_cast<long>(spec.max_redirects.value_or(defaults.max_redirects));
  auto download = optional_text(spec.download, scope);
  if (!download)
    return std::unexpected(download.error());
  request.download_path = *download;
  request.verify_tls = site.verify_tls;
  request.ca_file = site.ca_file;
  return request;
}

}  // namespace probe
