// One libcurl easy handle set up for an HttpRequest: what the blocking client and PollLoop share.
#pragma once

#include <curl/curl.h>

#include <atomic>
#include <cstdio>
#include <deque>
#include <expected>
#include <optional>
#include <string>

#include "digest.h"
#include "http_client.h"

namespace probe {

class CurlTransfer {
 public:
  // The fields that libcurl's callbacks fill in while the transfer runs.
  struct State {
    HttpResponse response;
    size_t max_body_bytes = 0;
    bool body_too_large = false;
    const std::atomic<bool>* interrupt = nullptr;
    std::FILE* download = nullptr;
    std::optional<Sha256> download_hash;
    bool download_failed = false;
  };

  explicit CurlTransfer(const CurlOptions& options);
  ~CurlTransfer();
  CurlTransfer(const CurlTransfer&) = delete;
  CurlTransfer& operator=(const CurlTransfer&) = delete;

  // The handle to perform, alone or in a multi handle, once begin() succeeded.
  CURL* handle() const { return handle_; }

  // Sets the handle up for `request`, which must stay alive until end(). An error means there
  // is nothing to perform. The handle keeps its connections, DNS cache and TLS sessions.
  std::optional<HttpError> begin(const HttpRequest& request);
  // The response, or why there is none, once libcurl finished the transfer with `code`.
  std::expected<HttpResponse, HttpError> end(CURLcode code);

 private:
  struct GeneratedCursor {
    const GeneratedData* data;
    uint64_t offset;
  };

  // The options of the last request set up, apart from its URL. A GET or HEAD with no body that
  // matches them keeps the handle's set-up and changes only the URL.
  struct Shape {
    std::string method;
    HeaderList headers;
    double timeout_seconds = 0;
    bool follow_redirects = true;
    long max_redirects = 0;
    bool verify_tls = true;
    std::string ca_file;
    std::optional<std::pair<std::string, std::string>> basic_auth;
  };

  static bool has_shape(const HttpRequest& request);
  bool same_shape(const HttpRequest& request) const;
  void release();
  curl_slist* build_headers(const HttpRequest& request);
  void configure(const HttpRequest& request);
  curl_mime* build_multipart(const HttpRequest& request);
  void configure_method(const HttpRequest& request);
  std::expected<HttpResponse, HttpError> finish(CURLcode code);
  std::string system_error_suffix(const std::string& detail);
  static size_t read_generated(char* buffer, size_t size, size_t count, void* user);
  static int seek_generated(void* user, curl_off_t offset, int origin);

  CurlOptions options_;
  CURL* handle_;
  const HttpRequest* request_ = nullptr;
  std::optional<State> state_;  // of the transfer begun last
  std::optional<Shape> shape_;  // set while the handle's options fit a request of this shape
  curl_slist* headers_ = nullptr;
  curl_mime* mime_ = nullptr;
  char error_buffer_[CURL_ERROR_SIZE] = {};
  std::deque<GeneratedCursor> generated_;  // stable addresses for libcurl's read callbacks
};

}  // namespace probe
