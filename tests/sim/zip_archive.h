#pragma once

#include <memory>
#include <string>
#include <vector>

#include "timestamps.h"

namespace probe::sim {

struct ZipEntry {
  std::string name;
  std::shared_ptr<const std::string> content;
  SystemTime modified;
};

// Builds a ZIP archive (PKWARE APPNOTE 6.3, no ZIP64) that stores the entries uncompressed.
// NOTE: entries and the archive must stay under 4 GiB, since there is no ZIP64 support.
std::string make_zip_archive(const std::vector<ZipEntry>& entries);

}  // namespace probe::sim
