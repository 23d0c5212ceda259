// The HTTP seam: the engine sends requests through HttpClient; tests can put a fake behind it.
#pragma once

#include <atomic>
#include <cstddef>
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "digest.h"

namespace probe {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// One part of a multipart/form-data body: a text value, a file streamed from disk, or generated
// data streamed from memory.
struct MultipartPart {
  std::string name;
  std::string value;
  std::string file_path;
  std::optional<GeneratedData> generated;
  std::string filename;      // sent as the part's filename; defaults to the file's own name
  std::string content_type;  // libcurl picks one from the file name when empty
};

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  HeaderList headers;
  std::string body;
  double timeout_seconds = 30;
  bool follow_redirects = true;
  long max_redirects = 10;
  bool verify_tls = true;
  std::string ca_file;  // extra CA bundle; empty for the system store
  std::optional<std::pair<std::string, std::string>> basic_auth;
  std::vector<MultipartPart> multipart;  // replaces `body` when not empty
  // When set, the body is streamed to this file (parent folders created) and hashed on the way;
  // HttpResponse::body stays empty and no size limit applies.
  std::string download_path;
  // When set and true, the transfer stops with HttpErrorKind::interrupted. Overrides
  // CurlOptions::interrupt for this request.
  const std::atomic<bool>* abort = nullptr;
};

struct HttpResponse {
  int status = 0;
  std::string http_version;  // "1.1", "2"
  HeaderList headers;        // of the final response when redirects were followed
  std::string body;          // decoded when the server compressed it; empty for a download
  uint64_t body_bytes = 0;   // size of the decoded body, also for a download
  std::string body_sha256;   // set for a download; ResponseView computes it otherwise
  double seconds = 0;        // total time, redirects included
  std::string effective_url;
  long redirects = 0;

  // The first value of `name`, compared without regard to case.
  const std::string* header(const std::string& name) const;
};

enum class HttpErrorKind {
  connect,  // refused, unreachable, DNS failure
  timeout,
  tls,
  too_many_redirects,
  body_too_large,
  interrupted,      // SIGINT or SIGTERM arrived
  protocol,         // malformed response, connection reset, ...
  invalid_request,  // bad URL or unsupported scheme
};

struct HttpError {
  HttpErrorKind kind;
  std::string message;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  virtual std::expected<HttpResponse, HttpError> send(const HttpRequest& request) = 0;
};

struct CurlOptions {
  size_t max_body_bytes = 64 * 1024 * 1024;
  // Checked while a transfer runs; when it becomes true the transfer stops with `interrupted`.
  const std::atomic<bool>* interrupt = nullptr;
};

// libcurl behind HttpClient. One instance reuses its connections, DNS cache and TLS sessions
// across requests. Not thread-safe: use one instance per thread.
std::unique_ptr<HttpClient> make_curl_client(const CurlOptions& options);

// Prepares libcurl for the process; call once from main before any thread starts.
void init_http();

}  // namespace probe
