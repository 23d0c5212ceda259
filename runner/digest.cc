#include "digest.h"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <fstream>

namespace probe {

struct Sha256::State {
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  ~State() { EVP_MD_CTX_free(context); }
};

Sha256::Sha256() : state_(std::make_unique<State>()) {
  EVP_DigestInit_ex(state_->context, EVP_sha256(), nullptr);
}

Sha256::~Sha256() = default;

void Sha256::update(std::string_view data) {
  EVP_DigestUpdate(state_->context, data.data(), data.size());
}

std::string Sha256::hex() {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_DigestFinal_ex(state_->context, digest.data(), &length);
  std::string out;
  for (unsigned int i = 0; i < length; ++i)
    out += fmt::format("{:02x}", digest[i]);
  return out;
}

std::string sha256_hex(std::string_view data) {
  Sha256 hash;
  hash.update(data);
  return hash.hex();
}

std::expected<std::string, std::string> sha256_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return std::unexpected(fmt::format("cannot read file '{}'", path));
  Sha256 hash;
  std::array<char, 64 * 1024> buffer{};
  while (in) {
    in.read(buffer.data(), buffer.size());
    hash.update(std::string_view(buffer.data(), static_cast<size_t>(in.gcount())));
  }
  if (in.bad())
    return std::unexpected(fmt::format("cannot read file '{}'", path));
  return hash.hex();
}

namespace {

// SplitMix64: a fast, well-distributed generator whose n-th output depends only on the seed
// and n, so any offset of the stream can be produced directly.
uint64_t splitmix64(uint64_t state) {
  uint64_t z = state + 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

}  // namespace

size_t GeneratedData::read(uint64_t offset, char* buffer, size_t length) const {
  if (offset >= size_)
    return 0;
  size_t count = static_cast<size_t>(std::min<uint64_t>(length, size_ - offset));
  uint64_t word_index = offset / 8;
  uint64_t word = splitmix64(seed_ * 0x100000001B3ULL + word_index);
  for (size_t i = 0; i < count; ++i) {
    uint64_t position = offset + i;
    if (position / 8 != word_index) {
      word_index = position / 8;
      word = splitmix64(seed_ * 0x100000001B3ULL + word_index);
    }
    buffer[i] = static_cast<char>((word >> ((position % 8) * 8)) & 0xFF);
  }
  return count;
}

std::string GeneratedData::sha256() const {
  Sha256 hash;
  std::array<char, 64 * 1024> buffer{};
  for (uint64_t offset = 0; offset < size_;) {
    size_t count = read(offset, buffer.data(), buffer.size());
    hash.update(std::string_view(buffer.data(), count));
    offset += count;
  }
  return hash.hex();
}

}  // namespace probe
