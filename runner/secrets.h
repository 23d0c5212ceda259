// Masking of secrets in everything the tool prints or writes.
#pragma once

#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "result.h"

namespace probe {

inline constexpr std::string_view kMask = "***";

// The set of secret values seen so far in a run: site secrets, tokens, captures marked secret.
// Every text bound for the console, a log or a report passes through mask(). JWTs are masked
// whether registered or not. Thread-safe.
class Redactor {
 public:
  // Registers `secret` and the forms it takes in a URL-encoded or JSON-escaped body.
  // Values shorter than two characters are ignored: masking them would garble all output.
  void add(const std::string& secret);

  // Registers a basic-auth password, and the base64 "user:password" of the Authorization
  // header that it goes out in, which servers echoing headers send back.
  void add_basic_credentials(const std::string& username, const std::string& password);

  std::string mask(std::string_view text) const;

  // Masks `text`, then cuts it to at most `max_bytes` on a UTF-8 character boundary with a
  // note of the bytes left out. Masking comes first, because a secret cut in two would escape it.
  std::string mask_excerpt(std::string_view text, size_t max_bytes) const;

  // Masks every text in the tree, in place.
  void mask(RunResult& run) const;

 private:
  void mask_in_place(std::string& text) const;

  mutable std::mutex mutex_;
  std::vector<std::string> secrets_;  // longest first, so a secret inside another is not split
};

// True for header names whose value is a credential (Authorization, X-Tapis-Token, cookies, ...).
bool is_credential_header(std::string_view name);

}  // namespace probe
