#include "random_ids.h"

#include <array>
#include <random>

namespace probe::sim {
namespace {

std::mt19937_64& engine() {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  return generator;
}

char pick(std::string_view alphabet) {
  std::uniform_int_distribution<std::size_t> index(0, alphabet.size() - 1);
  return alphabet[index(engine())];
}

}  // namespace

std::string random_uuid() {
  std::string uuid = random_hex(32);
  uuid[12] = '4';
  uuid[16] = "89ab"[std::uniform_int_distribution<int>(0, 3)(engine())];
  return uuid.substr(0, 8) + "-" + uuid.substr(8, 4) + "-" + uuid.substr(12, 4) + "-" +
         uuid.substr(16, 4) + "-" + uuid.substr(20);
}

std::string random_alphanumeric(std::size_t length) {
  constexpr std::string_view kAlphabet =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::string text;
  for (std::size_t i = 0; i < length; ++i) {
    text += pick(kAlphabet);
  }
  return text;
}

std::string random_bytes(std::size_t count) {
  std::uniform_int_distribution<int> byte(0, 255);
  std::string bytes;
  for (std::size_t i = 0; i < count; ++i) {
    bytes += static_cast<char>(byte(engine()));
  }
  return bytes;
}

std::string random_hex(std::size_t digits) {
  std::string text;
  for (std::size_t i = 0; i < digits; ++i) {
    text += pick("0123456789abcdef");
  }
  return text;
}

}  // namespace probe::sim
