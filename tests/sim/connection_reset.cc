#include "connection_reset.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <charconv>
#include <filesystem>
#include <optional>
#include <string>

namespace probe::sim {
namespace {

std::optional<int> port_of(const sockaddr_storage& address) {
  if (address.ss_family == AF_INET) {
    return ntohs(reinterpret_cast<const sockaddr_in&>(address).sin_port);
  }
  if (address.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6&>(address).sin6_port);
  }
  return std::nullopt;
}

bool carries_request(int descriptor, const httplib::Request& request) {
  struct stat status {};
  if (fstat(descriptor, &status) != 0 || !S_ISSOCK(status.st_mode)) {
    return false;
  }

  sockaddr_storage local{};
  sockaddr_storage peer{};
  socklen_t local_length = sizeof(local);
  socklen_t peer_length = sizeof(peer);
  if (getsockname(descriptor, reinterpret_cast<sockaddr*>(&local), &local_length) != 0 ||
      getpeername(descriptor, reinterpret_cast<sockaddr*>(&peer), &peer_length) != 0) {
    return false;
  }
  return port_of(local) == request.local_port && port_of(peer) == request.remote_port;
}

std::optional<int> find_socket(const httplib::Request& request) {
  // increment() with an error_code, because other threads open and close descriptors while
  // this loop reads the directory.
  std::error_code error;
  std::filesystem::directory_iterator entries("/proc/self/fd", error);
  for (; !error && entries != std::filesystem::directory_iterator(); entries.increment(error)) {
    std::string name = entries->path().filename().string();
    int descriptor = -1;
    auto [end, parse_error] = std::from_chars(name.data(), name.data() + name.size(), descriptor);
    if (parse_error == std::errc() && carries_request(descriptor, request)) {
      return descriptor;
    }
  }
  return std::nullopt;
}

}  // namespace

bool reset_connection(const httplib::Request& request) {
  auto descriptor = find_socket(request);
  if (!descriptor) {
    return false;
  }

  // On Linux, connecting a TCP socket to AF_UNSPEC disconnects it and sends a RST (see
  // connect(2)). The descriptor stays open for cpp-httplib to close, and its later writes fail
  // with EPIPE, which main() ignores.
  sockaddr unspecified{};
  unspecified.sa_family = AF_UNSPEC;
  return connect(*descriptor, &unspecified, sizeof(unspecified)) == 0;
}

}  // namespace probe::sim
