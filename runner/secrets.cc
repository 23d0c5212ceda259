#include "secrets.h"

#include <curl/curl.h>
#include <fmt/format.h>
#include <openssl/evp.h>
#include <re2/re2.h>
#include <strings.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "request_builder.h"

namespace probe {

namespace {

// The text between the quotes of `text` as a JSON string. Invalid UTF-8 becomes U+FFFD, as in
// render(), so the form matches rendered values instead of throwing.
std::string json_escape(const std::string& text, bool ensure_ascii) {
  std::string quoted =
      nlohmann::json(text).dump(-1, ' ', ensure_ascii, nlohmann::json::error_handler_t::replace);
  return quoted.substr(1, quoted.size() - 2);
}

// `text` with each character in `replacements` replaced by its text.
std::string replace_chars(const std::string& text,
                          std::initializer_list<std::pair<char, std::string_view>> replacements) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    auto found = std::find_if(replacements.begin(), replacements.end(),
                              [c](const auto& replacement) { return replacement.first == c; });
    if (found == replacements.end())
      out += c;
    else
      out += found->second;
  }
  return out;
}

void replace_all(std::string& text, const std::string& secret) {
  size_t position = 0;
  while ((position = text.find(secret, position)) != std::string::npos) {
    text.replace(position, secret.size(), kMask);
    position += kMask.size();
  }
}

// A JSON Web Token: three base64url parts, the first of which encodes '{"'.
const re2::RE2& jwt_pattern() {
  static const re2::RE2 pattern("eyJ[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*");
  return pattern;
}

}  // namespace

void Redactor::add(const std::string& secret) {
  if (secret.size() < 2)
    return;
  std::vector<std::string> forms = {secret, url_encode(secret)};
  // JSON encoders differ in what they escape: the \u form of non-ASCII text is Python's default,
  // Go escapes <, > and &, PHP escapes '/'.
  for (bool ensure_ascii : {false, true}) {
    const std::string json = json_escape(secret, ensure_ascii);
    const std::string go =
        replace_chars(json, {{'<', "\\u003c"}, {'>', "\\u003e"}, {'&', "\\u0026"}});
    for (const std::string& form : {json, go, replace_chars(json, {{'/', "\\/"}})}) {
      forms.push_back(form);
      // A response body quoted as a JSON string in an assertion message escapes it again.
      forms.push_back(json_escape(form, false));
    }
  }
  std::lock_guard lock(mutex_);
  for (std::string& form : forms) {
    if (std::find(secrets_.begin(), secrets_.end(), form) == secrets_.end())
      secrets_.push_back(std::move(form));
  }
  std::sort(secrets_.begin(), secrets_.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

void Redactor::add_basic_credentials(const std::string& username, const std::string& password) {
  add(password);
  const std::string credentials = username + ":" + password;
  std::string encoded(4 * ((credentials.size() + 2) / 3), '\0');
  const int length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                                     reinterpret_cast<const unsigned char*>(credentials.data()),
                                     static_cast<int>(credentials.size()));
  encoded.resize(static_cast<size_t>(length));
  add(encoded);
}

std::string Redactor::mask(std::string_view text) const {
  std::string out(text);
  mask_in_place(out);
  return out;
}

void Redactor::mask_in_place(std::string& text) const {
  {
    std::lock_guard lock(mutex_);
    for (const std::string& secret : secrets_)
      replace_all(text, secret);
  }
  // The pattern matches only text containing "eyJ", and a plain search for it is much cheaper.
  if (text.find("eyJ") != std::string::npos)
    re2::RE2::GlobalReplace(&text, jwt_pattern(), std::string(kMask));
}

std::string Redactor::mask_excerpt(std::string_view text, size_t max_bytes) const {
  std::string masked = mask(text);
  if (masked.size() <= max_bytes)
    return masked;
  size_t cut = max_bytes;
  // Back up over UTF-8 continuation bytes (10xxxxxx) so that no character is split.
  while (cut > 0 && (static_cast<unsigned char>(masked[cut]) & 0xC0) == 0x80)
    --cut;
  const size_t left_out = masked.size() - cut;
  masked.resize(cut);
  return masked + fmt::format("... ({} more bytes)", left_out);
}

void Redactor::mask(RunResult& run) const {
  auto fix = [this](std::string& text) { mask_in_place(text); };
  for (SuiteResult& suite : run.suites) {
    fix(suite.name);
    for (Property& property : suite.properties)
      fix(property.second);
    for (TestResult& test : suite.tests) {
      fix(test.name);
      fix(test.message);
      for (StepResult& step : test.steps) {
        fix(step.name);
        fix(step.request_line);
        fix(step.error);
        for (AssertionResult& assertion : step.assertions) {
          fix(assertion.subject);
          fix(assertion.expected);
          fix(assertion.actual);
        }
        for (Property& detail : step.details)
          fix(detail.second);
        for (std::string& line : step.log)
          fix(line);
      }
    }
  }
}

bool is_credential_header(std::string_view name) {
  static const char* const kNames[] = {"authorization", "proxy-authorization", "x-tapis-token",
                                       "cookie",        "set-cookie",          "x-api-key"};
  for (const char* candidate : kNames) {
    if (name.size() == std::strlen(candidate) &&
        strncasecmp(name.data(), candidate, name.size()) == 0)
      return true;
  }
  return false;
}

}  // namespace probe
