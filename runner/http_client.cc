#include <curl/curl.h>
#include <fmt/format.h>
#include <strings.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <deque>
#include <filesystem>
#include <mutex>

#include "curl_transfer.h"

namespace probe {

namespace {

using State = CurlTransfer::State;

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<State*>(user);
  size_t bytes = size * count;
  transfer->response.body_bytes += bytes;
  if (transfer->download != nullptr) {
    if (std::fwrite(data, 1, bytes, transfer->download) != bytes) {
      transfer->download_failed = true;
      return 0;
    }
    transfer->download_hash->update(std::string_view(data, bytes));
    return bytes;
  }
  if (transfer->response.body.size() + bytes > transfer->max_body_bytes) {
    transfer->body_too_large = true;
    return 0;  // makes libcurl stop with CURLE_WRITE_ERROR
  }
  transfer->response.body.append(data, bytes);
  return bytes;
}

std::string_view trim(std::string_view text) {
  size_t begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos)
    return {};
  size_t end = text.find_last_not_of(" \t\r\n");
  return text.substr(begin, end - begin + 1);
}

// Reserves the body's buffer for the declared size, bounded because a server may declare more
// than it sends. The 64 spare bytes let simdjson parse the body in place instead of copying it.
void reserve_body(State& transfer, std::string_view value) {
  constexpr uint64_t kMaxReserve = 1 << 20;
  constexpr uint64_t kParserPadding = 64;
  uint64_t length = 0;
  auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), length);
  if (error == std::errc() && end == value.data() + value.size() && transfer.download == nullptr)
    transfer.response.body.reserve(static_cast<size_t>(
        std::min({length, kMaxReserve, uint64_t{transfer.max_body_bytes}}) + kParserPadding));
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<State*>(user);
  size_t bytes = size * count;
  std::string_view line(data, bytes);
  if (line.starts_with("HTTP/")) {
    transfer->response.headers.clear();  // a new response after a redirect or a 100 Continue
    return bytes;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos)
    return bytes;
  std::string_view name = trim(line.substr(0, colon));
  std::string_view value = trim(line.substr(colon + 1));
  if (name.size() == 14 && strncasecmp(name.data(), "content-length", 14) == 0)
    reserve_body(*transfer, value);
  transfer->response.headers.emplace_back(std::string(name), std::string(value));
  return bytes;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* transfer = static_cast<State*>(user);
  if (transfer->interrupt != nullptr && transfer->interrupt->load())
    return 1;  // aborts
  return 0;
}

HttpErrorKind classify(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return HttpErrorKind::connect;
    case CURLE_OPERATION_TIMEDOUT:
      return HttpErrorKind::timeout;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
      return HttpErrorKind::tls;
    case CURLE_TOO_MANY_REDIRECTS:
      return HttpErrorKind::too_many_redirects;
    case CURLE_ABORTED_BY_CALLBACK:
      return HttpErrorKind::interrupted;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return HttpErrorKind::invalid_request;
    default:
      return HttpErrorKind::protocol;
  }
}

// DNS results and TLS sessions shared by every client of the process, so that the clients of a
// parallel run resolve a host and complete a full TLS handshake with it once, not once each.
// Connections are not shared: each client keeps its own, for one thread at a time.
class SharedCache {
 public:
  SharedCache() : share_(curl_share_init()) {
    if (share_ == nullptr)
      return;
    curl_share_setopt(share_, CURLSHOPT_LOCKFUNC, lock);
    curl_share_setopt(share_, CURLSHOPT_UNLOCKFUNC, unlock);
    curl_share_setopt(share_, CURLSHOPT_USERDATA, this);
    curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  }
  ~SharedCache() { curl_share_cleanup(share_); }
  SharedCache(const SharedCache&) = delete;
  SharedCache& operator=(const SharedCache&) = delete;

  CURLSH* handle() const { return share_; }

 private:
  static void lock(CURL*, curl_lock_data data, curl_lock_access, void* user) {
    static_cast<SharedCache*>(user)->mutex_for(data).lock();
  }
  static void unlock(CURL*, curl_lock_data data, void* user) {
    static_cast<SharedCache*>(user)->mutex_for(data).unlock();
  }
  std::mutex& mutex_for(curl_lock_data data) {
    return mutexes_[static_cast<size_t>(data) % std::size(mutexes_)];
  }

  CURLSH* share_;
  std::mutex mutexes_[CURL_LOCK_DATA_LAST];
};

SharedCache& shared_cache() {
  static SharedCache cache;
  return cache;
}

}  // namespace

CurlTransfer::CurlTransfer(const CurlOptions& options)
    : options_(options), handle_(curl_easy_init()) {
  // curl_easy_reset() keeps the share, so it is set once.
  if (handle_ != nullptr)
    curl_easy_setopt(handle_, CURLOPT_SHARE, shared_cache().handle());
}

CurlTransfer::~CurlTransfer() {
  release();
  curl_slist_free_all(headers_);
  curl_easy_cleanup(handle_);
}

std::optional<HttpError> CurlTransfer::begin(const HttpRequest& request) {
  if (handle_ == nullptr)
    return HttpError{HttpErrorKind::protocol, "libcurl failed to start"};

  release();
  request_ = &request;
  generated_.clear();
  state_.emplace();  // in place, so the callbacks' pointer to it stays valid
  state_->max_body_bytes = options_.max_body_bytes;
  state_->interrupt = request.abort != nullptr ? request.abort : options_.interrupt;
  error_buffer_[0] = '\0';

  // A poll repeats one request and a suite sends many alike: skip the reset and the options.
  if (shape_ && same_shape(request)) {
    curl_easy_setopt(handle_, CURLOPT_URL, request.url.c_str());
    return std::nullopt;
  }

  // Reset clears per-request options but keeps the connection cache, DNS cache and TLS sessions.
  curl_easy_reset(handle_);
  curl_slist_free_all(std::exchange(headers_, nullptr));
  shape_.reset();
  headers_ = build_headers(request);
  configure(request);
  if (has_shape(request)) {
    shape_ = Shape{request.method,           request.headers,       request.timeout_seconds,
                   request.follow_redirects, request.max_redirects, request.verify_tls,
                   request.ca_file,          request.basic_auth};
  }
  mime_ = build_multipart(request);
  if (mime_ != nullptr)
    curl_easy_setopt(handle_, CURLOPT_MIMEPOST, mime_);

  if (!request.download_path.empty()) {
    std::error_code ignored;
    std::filesystem::create_directories(std::filesystem::path(request.download_path).parent_path(),
                                        ignored);
    state_->download = std::fopen(request.download_path.c_str(), "wb");
    if (state_->download == nullptr) {
      release();
      return HttpError{HttpErrorKind::invalid_request,
                       fmt::format("cannot write download file '{}': {}", request.download_path,
                                   std::strerror(errno))};
    }
    state_->download_hash.emplace();
  }
  return std::nullopt;
}

std::expected<HttpResponse, HttpError> CurlTransfer::end(CURLcode code) {
  if (state_->download != nullptr) {
    bool closed = std::fclose(std::exchange(state_->download, nullptr)) == 0;
    state_->download_failed = state_->download_failed || !closed;
    state_->response.body_sha256 = state_->download_hash->hex();
    if (state_->download_failed) {
      release();
      return std::unexpected(
          HttpError{HttpErrorKind::protocol,
                    fmt::format("cannot write download file '{}'", request_->download_path)});
    }
  }
  release();
  return finish(code);
}

bool CurlTransfer::has_shape(const HttpRequest& request) {
  // A body, a form or a download makes libcurl keep pointers into the request, so those
  // requests are always set up in full.
  return (request.method == "GET" || request.method == "HEAD") && request.body.empty() &&
         request.multipart.empty() && request.download_path.empty();
}

bool CurlTransfer::same_shape(const HttpRequest& request) const {
  return has_shape(request) && request.method == shape_->method &&
         request.headers == shape_->headers && request.timeout_seconds == shape_->timeout_seconds &&
         request.follow_redirects == shape_->follow_redirects &&
         request.max_redirects == shape_->max_redirects &&
         request.verify_tls == shape_->verify_tls && request.ca_file == shape_->ca_file &&
         request.basic_auth == shape_->basic_auth;
}

void CurlTransfer::release() {
  curl_mime_free(std::exchange(mime_, nullptr));
  if (state_ && state_->download != nullptr)
    std::fclose(std::exchange(state_->download, nullptr));
}

curl_slist* CurlTransfer::build_headers(const HttpRequest& request) {
  curl_slist* list = nullptr;
  for (const auto& [name, value] : request.headers) {
    // "Name;" is libcurl's way to send a header with an empty value.
    std::string line = value.empty() ? name + ";" : name + ": " + value;
    list = curl_slist_append(list, line.c_str());
  }
  // Do not wait for 100-continue before sending a body.
  list = curl_slist_append(list, "Expect:");
  return list;
}

void CurlTransfer::configure(const HttpRequest& request) {
  curl_easy_setopt(handle_, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(handle_, CURLOPT_ERRORBUFFER, error_buffer_);
  curl_easy_setopt(handle_, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(handle_, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(handle_, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(handle_, CURLOPT_HTTPHEADER, headers_);
  curl_easy_setopt(handle_, CURLOPT_ACCEPT_ENCODING, "");  // every encoding libcurl decodes
  curl_easy_setopt(handle_, CURLOPT_USERAGENT, "tapis-probe/" PROBE_VERSION);

  auto timeout_ms = static_cast<long>(request.timeout_seconds * 1000);
  curl_easy_setopt(handle_, CURLOPT_TIMEOUT_MS, std::max(timeout_ms, 1L));
  curl_easy_setopt(handle_, CURLOPT_CONNECTTIMEOUT_MS, std::clamp(timeout_ms, 1L, 10000L));

  curl_easy_setopt(handle_, CURLOPT_FOLLOWLOCATION, request.follow_redirects ? 1L : 0L);
  curl_easy_setopt(handle_, CURLOPT_MAXREDIRS, request.max_redirects);
  curl_easy_setopt(handle_, CURLOPT_SSL_VERIFYPEER, request.verify_tls ? 1L : 0L);
  curl_easy_setopt(handle_, CURLOPT_SSL_VERIFYHOST, request.verify_tls ? 2L : 0L);
  if (!request.ca_file.empty())
    curl_easy_setopt(handle_, CURLOPT_CAINFO, request.ca_file.c_str());

  if (request.basic_auth) {
    curl_easy_setopt(handle_, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(handle_, CURLOPT_USERNAME, request.basic_auth->first.c_str());
    curl_easy_setopt(handle_, CURLOPT_PASSWORD, request.basic_auth->second.c_str());
  }

  configure_method(request);

  curl_easy_setopt(handle_, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(handle_, CURLOPT_WRITEDATA, &*state_);
  curl_easy_setopt(handle_, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(handle_, CURLOPT_HEADERDATA, &*state_);
  curl_easy_setopt(handle_, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(handle_, CURLOPT_XFERINFODATA, &*state_);
  curl_easy_setopt(handle_, CURLOPT_NOPROGRESS, 0L);
}

curl_mime* CurlTransfer::build_multipart(const HttpRequest& request) {
  if (request.multipart.empty())
    return nullptr;
  curl_mime* mime = curl_mime_init(handle_);
  for (const MultipartPart& part : request.multipart) {
    curl_mimepart* field = curl_mime_addpart(mime);
    curl_mime_name(field, part.name.c_str());
    if (!part.file_path.empty()) {
      curl_mime_filedata(field, part.file_path.c_str());  // streamed from disk
    } else if (part.generated) {
      generated_.push_back({&*part.generated, 0});
      curl_mime_data_cb(field, static_cast<curl_off_t>(part.generated->size()), read_generated,
                        seek_generated, nullptr, &generated_.back());
    } else {
      curl_mime_data(field, part.value.data(), part.value.size());
    }
    if (!part.filename.empty())
      curl_mime_filename(field, part.filename.c_str());
    if (!part.content_type.empty())
      curl_mime_type(field, part.content_type.c_str());
  }
  return mime;
}

size_t CurlTransfer::read_generated(char* buffer, size_t size, size_t count, void* user) {
  auto* cursor = static_cast<GeneratedCursor*>(user);
  size_t written = cursor->data->read(cursor->offset, buffer, size * count);
  cursor->offset += written;
  return written;
}

int CurlTransfer::seek_generated(void* user, curl_off_t offset, int origin) {
  auto* cursor = static_cast<GeneratedCursor*>(user);
  if (origin != SEEK_SET || offset < 0)
    return CURL_SEEKFUNC_CANTSEEK;
  cursor->offset = static_cast<uint64_t>(offset);
  return CURL_SEEKFUNC_OK;
}

void CurlTransfer::configure_method(const HttpRequest& request) {
  if (request.method == "HEAD") {
    curl_easy_setopt(handle_, CURLOPT_NOBODY, 1L);
    return;
  }
  if (!request.multipart.empty()) {
    if (request.method != "POST")
      curl_easy_setopt(handle_, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    return;
  }
  if (request.method == "GET" && request.body.empty()) {
    curl_easy_setopt(handle_, CURLOPT_HTTPGET, 1L);
    return;
  }
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT" ||
      request.method == "PATCH") {
    curl_easy_setopt(handle_, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
    curl_easy_setopt(handle_, CURLOPT_POSTFIELDS, request.body.data());
  }
  if (request.method != "POST")
    curl_easy_setopt(handle_, CURLOPT_CUSTOMREQUEST, request.method.c_str());
}

std::expected<HttpResponse, HttpError> CurlTransfer::finish(CURLcode code) {
  double seconds = 0;
  curl_easy_getinfo(handle_, CURLINFO_TOTAL_TIME, &seconds);
  if (code != CURLE_OK) {
    std::string detail = error_buffer_[0] != '\0' ? error_buffer_ : curl_easy_strerror(code);
    if (state_->body_too_large) {
      return std::unexpected(
          HttpError{HttpErrorKind::body_too_large,
                    fmt::format("response body larger than {} bytes", state_->max_body_bytes)});
    }
    HttpErrorKind kind = classify(code);
    if (kind == HttpErrorKind::timeout) {
      detail = fmt::format("timed out after {:.3g} s: {}", request_->timeout_seconds, detail);
    } else if (kind == HttpErrorKind::interrupted) {
      detail = "interrupted";
    } else if (kind == HttpErrorKind::connect) {
      detail += system_error_suffix(detail);
    }
    return std::unexpected(HttpError{kind, detail});
  }

  HttpResponse& response = state_->response;
  long status = 0;
  curl_easy_getinfo(handle_, CURLINFO_RESPONSE_CODE, &status);
  response.status = static_cast<int>(status);
  long version = 0;
  curl_easy_getinfo(handle_, CURLINFO_HTTP_VERSION, &version);
  response.http_version = version == CURL_HTTP_VERSION_2_0   ? "2"
                          : version == CURL_HTTP_VERSION_3   ? "3"
                          : version == CURL_HTTP_VERSION_1_0 ? "1.0"
                                                             : "1.1";
  char* effective_url = nullptr;
  curl_easy_getinfo(handle_, CURLINFO_EFFECTIVE_URL, &effective_url);
  if (effective_url != nullptr)
    response.effective_url = effective_url;
  curl_easy_getinfo(handle_, CURLINFO_REDIRECT_COUNT, &response.redirects);
  response.seconds = seconds;
  return std::move(response);
}

// libcurl 7.88 reports a failed connection as "Couldn't connect to server" whatever the
// cause; the system error tells a refused port from an unreachable host.
std::string CurlTransfer::system_error_suffix(const std::string& detail) {
  long os_error = 0;
  curl_easy_getinfo(handle_, CURLINFO_OS_ERRNO, &os_error);
  if (os_error == 0)
    return {};
  std::string reason = std::strerror(static_cast<int>(os_error));
  if (detail.find(reason) != std::string::npos)
    return {};
  return " (" + reason + ")";
}

namespace {

class CurlHttpClient : public HttpClient {
 public:
  explicit CurlHttpClient(const CurlOptions& options) : transfer_(options) {}

  std::expected<HttpResponse, HttpError> send(const HttpRequest& request) override {
    if (auto error = transfer_.begin(request))
      return std::unexpected(std::move(*error));
    return transfer_.end(curl_easy_perform(transfer_.handle()));
  }

 private:
  CurlTransfer transfer_;
};

}  // namespace

const std::string* HttpResponse::header(const std::string& name) const {
  for (const auto& [key, value] : headers) {
    if (strcasecmp(key.c_str(), name.c_str()) == 0)
      return &value;
  }
  return nullptr;
}

std::unique_ptr<HttpClient> make_curl_client(const CurlOptions& options) {
  return std::make_unique<CurlHttpClient>(options);
}

void init_http() {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  shared_cache();
}

}  // namespace probe
