// Atomic report files: a CI job may collect reports while a run is still writing them or
// after it was stopped, so a reader must see either the old file or the complete new one.
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <streambuf>
#include <string>
#include <system_error>

#include "report.h"

namespace probe {

namespace {

namespace fs = std::filesystem;

// A stream buffer over a POSIX file descriptor, so the report is written straight into
// the temporary file whose descriptor mkstemp returned. Records the first write error.
class DescriptorBuffer : public std::streambuf {
 public:
  explicit DescriptorBuffer(int fd) : fd_(fd) { reset_put_area(); }

  int error() const { return error_; }

 protected:
  int_type overflow(int_type ch) override {
    if (!flush_buffer())
      return traits_type::eof();
    if (!traits_type::eq_int_type(ch, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(ch);
      pbump(1);
    }
    return traits_type::not_eof(ch);
  }

  int sync() override { return flush_buffer() ? 0 : -1; }

 private:
  void reset_put_area() { setp(buffer_.data(), buffer_.data() + buffer_.size()); }

  bool flush_buffer() {
    if (error_ != 0)
      return false;

    const char* data = pbase();
    auto size = static_cast<std::size_t>(pptr() - pbase());
    while (size > 0) {
      const ssize_t written = ::write(fd_, data, size);
      if (written < 0 && errno == EINTR)
        continue;
      if (written < 0) {
        error_ = errno;
        return false;
      }
      data += written;
      size -= static_cast<std::size_t>(written);
    }
    reset_put_area();
    return true;
  }

  int fd_;
  int error_ = 0;
  std::array<char, 64 * 1024> buffer_;
};

// The temporary file; closed and removed on destruction unless it was renamed into place.
class TemporaryFile {
 public:
  TemporaryFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~TemporaryFile() {
    if (fd_ >= 0)
      ::close(fd_);
    if (!renamed_)
      ::unlink(path_.c_str());
  }
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;

  int fd() const { return fd_; }
  const std::string& path() const { return path_; }

  // Closes the descriptor; returns errno on failure, 0 on success.
  int close() {
    const int result = ::close(fd_);
    fd_ = -1;
    return result == 0 ? 0 : errno;
  }

  void mark_renamed() { renamed_ = true; }

 private:
  int fd_;
  std::string path_;
  bool renamed_ = false;
};

// Reads the process umask from /proc/self/status (Linux 4.7 and later). Calling umask()
// to read it would change it for a moment for every thread. Falls back to 022.
mode_t current_umask() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("Umask:")) {
      return static_cast<mode_t>(std::strtoul(line.c_str() + 6, nullptr, 8));
    }
  }
  return 022;
}

// The mode the new file gets: that of the file it replaces, otherwise what open() would
// give a new file. mkstemp() itself creates files readable by the owner only.
mode_t report_file_mode(const fs::path& target) {
  struct stat existing {};
  if (::stat(target.c_str(), &existing) == 0 && S_ISREG(existing.st_mode)) {
    return existing.st_mode & 07777;
  }
  return 0666 & ~current_umask();
}

std::string errno_text(int error) {
  return std::generic_category().message(error);
}

}  // namespace

fs::path follow_links(const fs::path& path) {
  constexpr int kMaxLinks = 40;
  fs::path current = path;
  for (int followed = 0; followed < kMaxLinks; ++followed) {
    std::error_code error;
    if (!fs::is_symlink(current, error))
      break;
    fs::path next = fs::read_symlink(current, error);
    if (error)
      break;
    current = next.is_absolute() ? next : current.parent_path() / next;
  }
  return current;
}

std::expected<void, std::string> write_file_atomically(
    const std::string& path, const std::function<void(std::ostream&)>& write) {
  auto fail = [&](const std::string& reason) {
    return std::unexpected(fmt::format("cannot write report '{}': {}", path, reason));
  };

  const fs::path target = follow_links(path);
  if (!target.has_filename())
    return fail("the path names a folder, not a file");
  const fs::path folder = target.has_parent_path() ? target.parent_path() : fs::path(".");

  std::error_code error;
  fs::create_directories(folder, error);
  if (error) {
    return fail(fmt::format("cannot create folder '{}': {}", folder.string(), error.message()));
  }

  // A hidden name that does not end in the report's extension, so that a CI glob such
  // as "reports/*.xml" never picks up a file still being written.
  // Appended piece by piece: g++ 12 at -O3 reports a false -Wrestrict on "." + name + suffix.
  std::string temporary_name = ".";
  temporary_name += target.filename().string();
  temporary_name += ".tmp-XXXXXX";
  std::string temporary_path = (folder / temporary_name).string();
  const int fd = ::mkstemp(temporary_path.data());
  if (fd < 0) {
    return fail(fmt::format("cannot create a temporary file in '{}': {}", folder.string(),
                            errno_text(errno)));
  }
  TemporaryFile temporary(fd, temporary_path);

  // NOTE: a failed fchmod leaves the file readable by its owner only, which still works
  // for the CI job that wrote it, so it is not treated as an error.
  (void)::fchmod(temporary.fd(), report_file_mode(target));

  DescriptorBuffer buffer(temporary.fd());
  std::ostream stream(&buffer);
  try {
    write(stream);
  } catch (const std::exception& exception) {
    return fail(fmt::format("the report writer failed: {}", exception.what()));
  }
  stream.flush();
  if (buffer.error() != 0) {
    return fail(fmt::format("cannot write temporary file '{}': {}", temporary.path(),
                            errno_text(buffer.error())));
  }
  if (!stream)
    return fail("the report writer left the output stream in a failed state");

  if (::fsync(temporary.fd()) != 0) {
    return fail(fmt::format("cannot flush temporary file '{}' to disk: {}", temporary.path(),
                            errno_text(errno)));
  }
  if (const int close_error = temporary.close(); close_error != 0) {
    return fail(fmt::format("cannot close temporary file '{}': {}", temporary.path(),
                            errno_text(close_error)));
  }

  if (::rename(temporary.path().c_str(), target.c_str()) != 0) {
    return fail(fmt::format("cannot rename temporary file '{}' to the report: {}", temporary.path(),
                            errno_text(errno)));
  }
  temporary.mark_renamed();
  // The folder is not synced: after a crash it contains either the previous report or this one,
  // both complete, and syncing it cost up to tens of milliseconds per report on a shared disk.
  return {};
}

}  // namespace probe
