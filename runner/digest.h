// SHA-256 digests and generated test data, for upload and download checks.
#pragma once

#include <cstdint>
#include <expected>
#include <memory>
#include <string>
#include <string_view>

namespace probe {

// Incremental SHA-256 (OpenSSL EVP). Feed it any number of chunks, then read hex().
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(std::string_view data);
  // The lowercase hex digest of everything fed so far. Ends the computation.
  std::string hex();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

std::string sha256_hex(std::string_view data);
std::expected<std::string, std::string> sha256_file(const std::string& path);

// A stream of pseudo-random bytes fully determined by `size` and `seed`, so an upload and the
// checksum it is compared with can be produced without storing the data anywhere.
class GeneratedData {
 public:
  GeneratedData(uint64_t size, uint64_t seed) : size_(size), seed_(seed) {}

  uint64_t size() const { return size_; }
  uint64_t seed() const { return seed_; }
  // Fills `buffer` with the bytes at `offset`; returns how many were written.
  size_t read(uint64_t offset, char* buffer, size_t length) const;
  std::string sha256() const;

 private:
  uint64_t size_;
  uint64_t seed_;
};

}  // namespace probe
