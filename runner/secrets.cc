#include "secrets.h"

#include <curl/curl.h>
#include <fmt/format.h>
#include <openssl/evp.h>
#include <re2/re2.h>
#include <strings.h>

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <vector>

#include "request_builder.h"
#include "utf8.h"

namespace probe {

namespace {

// The text between the quotes of `text` as a JSON string. Invalid UTF-8 becomes U+FFFD, as in
// render(), so the form matches rendered values instead of throwing.
std::string json_escape(const std::string& text, bool ensure_ascii) {
  std::string quoted =
      nlohmann::json(text).dump(-1, ' ', ensure_ascii, nlohmann::json::error_handler_t::replace);
  return quoted.substr(1, quoted.size() - 2);
}

void replace_all(std::string& text, const std::string& secret) {
  size_t position = 0;
  while ((position = text.find(secret, position)) != std::string::npos) {
    text.replace(position, secret.size(), kMask);
    position += kMask.size();
  }
}

// Text with one level of JSON string escapes decoded. Each byte remembers the range of the
// original text it stands for, so that a secret found here is masked where it was written.
struct Unescaped {
  std::string text;
  std::vector<size_t> begin;  // original offset of the first byte that byte i came from
  std::vector<size_t> end;    // original offset after the last one
};

// Reads the four hex digits of a \u escape at `at` (either case).
std::optional<char32_t> hex4(const std::string& text, size_t at) {
  if (at + 4 > text.size())
    return std::nullopt;
  unsigned value = 0;
  auto [last, error] = std::from_chars(text.data() + at, text.data() + at + 4, value, 16);
  if (error != std::errc() || last != text.data() + at + 4)
    return std::nullopt;
  return static_cast<char32_t>(value);
}

// Decodes \" \\ \/ \b \f \n \r \t and \uXXXX, joining surrogate pairs. Anything else stays
// as written, so the result of text that is not JSON is close to the text itself.
Unescaped unescape(const Unescaped& in) {
  Unescaped out;
  const std::string& text = in.text;
  auto emit = [&](std::string_view bytes, size_t first, size_t past) {
    for (char byte : bytes) {
      out.text += byte;
      out.begin.push_back(in.begin[first]);
      out.end.push_back(in.end[past - 1]);
    }
  };
  for (size_t at = 0; at < text.size();) {
    if (text[at] != '\\' || at + 1 >= text.size()) {
      emit(std::string_view(&text[at], 1), at, at + 1);
      ++at;
      continue;
    }
    static constexpr std::string_view kFrom = "\"\\/bfnrt";
    static constexpr std::string_view kTo = "\"\\/\b\f\n\r\t";
    const size_t simple = kFrom.find(text[at + 1]);
    if (simple != std::string_view::npos) {
      emit(kTo.substr(simple, 1), at, at + 2);
      at += 2;
      continue;
    }
    std::optional<char32_t> unit = text[at + 1] == 'u' ? hex4(text, at + 2) : std::nullopt;
    if (!unit) {
      emit(std::string_view(&text[at], 1), at, at + 1);
      ++at;
      continue;
    }
    size_t past = at + 6;
    char32_t code_point = *unit;
    if (*unit >= 0xD800 && *unit < 0xDC00 && text.compare(past, 2, "\\u") == 0) {
      std::optional<char32_t> low = hex4(text, past + 2);
      if (low && *low >= 0xDC00 && *low < 0xE000) {
        code_point = 0x10000 + ((*unit - 0xD800) << 10) + (*low - 0xDC00);
        past += 6;
      }
    }
    std::string bytes;
    append_utf8(bytes, code_point);
    emit(bytes, at, past);
    at = past;
  }
  return out;
}

// Bodies can be escaped more than once: a server's JSON inside a JSON string, then quoted again
// in an assertion message.
constexpr int kEscapeLevels = 3;

// A JSON Web Token: three base64url parts, the first of which encodes '{"'.
const re2::RE2& jwt_pattern() {
  static const re2::RE2 pattern("eyJ[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*");
  return pattern;
}

}  // namespace

void Redactor::add(const std::string& secret) {
  if (secret.size() < 2)
    return;
  // The \u-escaped form is what servers built on Python's json module send for non-ASCII text.
  // Other escapes are found by mask_in_place(), which decodes them.
  std::vector<std::string> forms = {secret, url_encode(secret), json_escape(secret, false),
                                    json_escape(secret, true)};
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
  std::vector<std::pair<size_t, size_t>> spans;  // escaped secrets, as ranges of `text`
  {
    std::lock_guard lock(mutex_);
    for (const std::string& secret : secrets_)
      replace_all(text, secret);
    if (!secrets_.empty() && text.find('\\') != std::string::npos) {
      Unescaped level{text, {}, {}};
      for (size_t at = 0; at < text.size(); ++at) {
        level.begin.push_back(at);
        level.end.push_back(at + 1);
      }
      for (int depth = 0; depth < kEscapeLevels && level.text.find('\\') != std::string::npos;
           ++depth) {
        level = unescape(level);
        for (const std::string& secret : secrets_) {
          for (size_t at = level.text.find(secret); at != std::string::npos;
               at = level.text.find(secret, at + 1))
            spans.emplace_back(level.begin[at], level.end[at + secret.size() - 1]);
        }
      }
    }
  }
  if (!spans.empty()) {
    std::sort(spans.begin(), spans.end());
    std::string masked;
    size_t copied = 0;
    for (const auto& [begin, end] : spans) {
      if (end <= copied)
        continue;  // inside a range already masked
      if (begin >= copied) {
        masked.append(text, copied, begin - copied);
        masked += kMask;
      }
      copied = end;
    }
    masked.append(text, copied, std::string::npos);
    text = std::move(masked);
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
