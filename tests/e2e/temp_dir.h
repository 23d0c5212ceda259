// A folder of its own for each test's reports and logs.
#pragma once

#include <string>

namespace probe::e2e {

class TempDir {
 public:
  // Creates a new folder under $TMPDIR (or /tmp) named tapis-probe-e2e-XXXXXX.
  TempDir();

  // Removes the folder and its contents, unless keep() was called.
  ~TempDir();

  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

  // Leaves the folder in place, so the files of a failed test can be read afterwards.
  void keep() { keep_ = true; }

 private:
  std::string path_;
  bool keep_ = false;
};

}  // namespace probe::e2e
