#include "zip_archive.h"

#include <array>
#include <cstdint>
#include <ctime>

namespace probe::sim {
namespace {

constexpr std::uint32_t kLocalHeaderSignature = 0x04034b50;
constexpr std::uint32_t kCentralHeaderSignature = 0x02014b50;
constexpr std::uint32_t kEndOfCentralDirectorySignature = 0x06054b50;

// Version 2.0 of the format: the oldest that readers accept for stored files and directories.
constexpr std::uint16_t kVersion = 20;

// The reflected CRC-32 of ZIP and gzip (polynomial 0xEDB88320).
std::uint32_t crc32(const std::string& bytes) {
  static const std::array<std::uint32_t, 256> kTable = [] {
    std::array<std::uint32_t, 256> table{};
    for (std::uint32_t i = 0; i < table.size(); ++i) {
      std::uint32_t value = i;
      for (int bit = 0; bit < 8; ++bit) {
        value = (value & 1) != 0 ? 0xEDB88320U ^ (value >> 1) : value >> 1;
      }
      table[i] = value;
    }
    return table;
  }();

  std::uint32_t crc = 0xFFFFFFFFU;
  for (char c : bytes) {
    crc = kTable[(crc ^ static_cast<std::uint8_t>(c)) & 0xFFU] ^ (crc >> 8);
  }
  return crc ^ 0xFFFFFFFFU;
}

void put16(std::string& out, std::uint32_t value) {
  out += static_cast<char>(value & 0xFFU);
  out += static_cast<char>((value >> 8) & 0xFFU);
}

void put32(std::string& out, std::uint32_t value) {
  put16(out, value & 0xFFFFU);
  put16(out, value >> 16);
}

// Returns the MS-DOS time and date fields of `time` in UTC.
std::pair<std::uint32_t, std::uint32_t> dos_time_and_date(SystemTime time) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm fields{};
  gmtime_r(&seconds, &fields);
  int year = std::max(fields.tm_year + 1900, 1980);
  auto dos_time = static_cast<std::uint32_t>((fields.tm_hour << 11) | (fields.tm_min << 5) |
                                             (fields.tm_sec / 2));
  auto dos_date = static_cast<std::uint32_t>(((year - 1980) << 9) | ((fields.tm_mon + 1) << 5) |
                                             fields.tm_mday);
  return {dos_time, dos_date};
}

// Writes the fields that local and central headers share, from "version needed" to the
// extra field length.
void put_common_fields(std::string& out, const ZipEntry& entry, std::uint32_t crc,
                       std::uint32_t size) {
  auto [dos_time, dos_date] = dos_time_and_date(entry.modified);
  put16(out, kVersion);
  put16(out, 0);  // flags
  put16(out, 0);  // method: stored
  put16(out, dos_time);
  put16(out, dos_date);
  put32(out, crc);
  put32(out, size);  // compressed size
  put32(out, size);  // uncompressed size
  put16(out, static_cast<std::uint32_t>(entry.name.size()));
  put16(out, 0);  // extra field length
}

}  // namespace

std::string make_zip_archive(const std::vector<ZipEntry>& entries) {
  std::string archive;
  std::string directory;
  for (const auto& entry : entries) {
    static const std::string kEmpty;
    const std::string& content = entry.content ? *entry.content : kEmpty;
    std::uint32_t crc = crc32(content);
    auto size = static_cast<std::uint32_t>(content.size());
    auto offset = static_cast<std::uint32_t>(archive.size());

    put32(archive, kLocalHeaderSignature);
    put_common_fields(archive, entry, crc, size);
    archive += entry.name;
    archive += content;

    put32(directory, kCentralHeaderSignature);
    put16(directory, kVersion);  // version made by
    put_common_fields(directory, entry, crc, size);
    put16(directory, 0);  // comment length
    put16(directory, 0);  // disk number
    put16(directory, 0);  // internal attributes
    put32(directory, 0);  // external attributes
    put32(directory, offset);
    directory += entry.name;
  }

  auto directory_offset = static_cast<std::uint32_t>(archive.size());
  archive += directory;
  put32(archive, kEndOfCentralDirectorySignature);
  put16(archive, 0);  // this disk
  put16(archive, 0);  // disk with the central directory
  put16(archive, static_cast<std::uint32_t>(entries.size()));
  put16(archive, static_cast<std::uint32_t>(entries.size()));
  put32(archive, static_cast<std::uint32_t>(directory.size()));
  put32(archive, directory_offset);
  put16(archive, 0);  // comment length
  return archive;
}

}  // namespace probe::sim
