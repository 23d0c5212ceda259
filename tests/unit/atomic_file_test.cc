#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "report.h"
#include "report_test_support.h"

namespace probe {
namespace {

namespace fs = std::filesystem;
using testing::TemporaryFolder;

std::vector<std::string> folder_entries(const fs::path& folder) {
  std::vector<std::string> names;
  for (const fs::directory_entry& entry : fs::directory_iterator(folder)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

auto writer_of(std::string content) {
  return [content = std::move(content)](std::ostream& out) { out << content; };
}

TEST(AtomicFile, WritesContent) {
  TemporaryFolder folder;
  const fs::path target = folder.path() / "report.xml";

  const auto written = write_file_atomically(target.string(), writer_of("<testsuites/>\n"));

  ASSERT_TRUE(written) << written.error();
  EXPECT_EQ(testing::read_file(target), "<testsuites/>\n");
  EXPECT_EQ(folder_entries(folder.path()), std::vector<std::string>{"report.xml"});
}

TEST(AtomicFile, WritesLargeContent) {
  TemporaryFolder folder;
  const fs::path target = folder.path() / "report.tap";
  std::string content;
  for (int i = 0; i < 100000; ++i)
    content += "ok " + std::to_string(i) + " - test\n";

  const auto written = write_file_atomically(target.string(), writer_of(content));

  ASSERT_TRUE(written) << written.error();
  EXPECT_EQ(testing::read_file(target), content);
}

TEST(AtomicFile, ReplacesExistingFile) {
  TemporaryFolder folder;
  const fs::path target = folder.path() / "report.xml";
  testing::write_file(target, "old content that is longer than the new one\n");

  const auto written = write_file_atomically(target.string(), writer_of("new\n"));

  ASSERT_TRUE(written) << written.error();
  EXPECT_EQ(testing::read_file(target), "new\n");
  EXPECT_EQ(folder_entries(folder.path()), std::vector<std::string>{"report.xml"});
}

TEST(AtomicFile, WritesThroughSymlink) {
  TemporaryFolder folder;
  fs::create_directories(folder.path() / "web");
  const fs::path served = folder.path() / "web" / "report.xml";
  const fs::path link = folder.path() / "report.xml";
  fs::create_symlink("web/report.xml", link);  // not there yet: the first run creates it

  for (const char* content : {"first\n", "second\n"}) {
    const auto written = write_file_atomically(link.string(), writer_of(content));
    ASSERT_TRUE(written) << written.error();
    EXPECT_TRUE(fs::is_symlink(link));
    EXPECT_EQ(testing::read_file(served), content);
  }
  EXPECT_EQ(folder_entries(folder.path() / "web"), std::vector<std::string>{"report.xml"});
}

TEST(AtomicFile, FollowLinksEndsOnLoop) {
  TemporaryFolder folder;
  fs::create_symlink("b", folder.path() / "a");
  fs::create_symlink("a", folder.path() / "b");

  const fs::path end = follow_links(folder.path() / "a");

  EXPECT_EQ(end.parent_path(), folder.path());
}

TEST(AtomicFile, KeepsModeOfReplacedFile) {
  TemporaryFolder folder;
  const fs::path target = folder.path() / "report.xml";
  testing::write_file(target, "old\n");
  fs::permissions(target, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);

  ASSERT_TRUE(write_file_atomically(target.string(), writer_of("new\n")));

  EXPECT_EQ(fs::status(target).permissions(),
            fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
}

TEST(AtomicFile, NewFileFollowsUmask) {
  TemporaryFolder folder;
  const fs::path target = folder.path() / "report.xml";
  const mode_t previous = ::umask(027);

  const auto written = write_file_atomically(target.string(), writer_of("new\n"));
  ::umask(previous);

  ASSERT_TRUE(written) << written.error();
  EXPECT_EQ(fs::status(target).permissions(),
            fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
}

TEST(AtomicFile, CreatesParentFolders) {
  TemporaryFolder folder;
  const fs::path target = folder.path() / "out" / "reports" / "report.xml";

  const auto written = write_file_atomically(target.string(), writer_of("content\n"));

  ASSERT_TRUE(written) << written.error();
  EXPECT_EQ(testing::read_file(target), "content\n");
}

TEST(AtomicFile, ThrowingWriterKeepsOldTarget) {
  TemporaryFolder folder;
  const fs::path target = folder.path() / "report.xml";
  testing::write_file(target, "old\n");

  const auto written = write_file_atomically(target.string(), [](std::ostream& out) {
    out << "partial content";
    out.flush();
    throw std::runtime_error("result tree is broken");
  });

  ASSERT_FALSE(written);
  EXPECT_EQ(written.error(), "cannot write report '" + target.string() +
                                 "': the report writer failed: result tree is broken");
  EXPECT_EQ(testing::read_file(target), "old\n");
  EXPECT_EQ(folder_entries(folder.path()), std::vector<std::string>{"report.xml"});
}

TEST(AtomicFile, ThrowingWriterLeavesNoTarget) {
  TemporaryFolder folder;
  const fs::path target = folder.path() / "report.xml";

  const auto written = write_file_atomically(
      target.string(), [](std::ostream&) { throw std::runtime_error("broken"); });

  ASSERT_FALSE(written);
  EXPECT_TRUE(folder_entries(folder.path()).empty());
}

TEST(AtomicFile, FailedStreamReportsError) {
  TemporaryFolder folder;
  const fs::path target = folder.path() / "report.xml";
  testing::write_file(target, "old\n");

  const auto written = write_file_atomically(target.string(), [](std::ostream& out) {
    out << "partial";
    out.setstate(std::ios::badbit);
  });

  ASSERT_FALSE(written);
  EXPECT_NE(written.error().find(target.string()), std::string::npos) << written.error();
  EXPECT_EQ(testing::read_file(target), "old\n");
  EXPECT_EQ(folder_entries(folder.path()), std::vector<std::string>{"report.xml"});
}

// Works as root too, unlike a permission check: no one can create a folder inside a file.
TEST(AtomicFile, ParentIsFileGivesMessage) {
  TemporaryFolder folder;
  testing::write_file(folder.path() / "plain-file", "x");
  const fs::path target = folder.path() / "plain-file" / "reports" / "report.xml";

  const auto written = write_file_atomically(target.string(), writer_of("content\n"));

  ASSERT_FALSE(written);
  EXPECT_TRUE(written.error().starts_with("cannot write report '" + target.string() + "': "))
      << written.error();
  EXPECT_NE(written.error().find("Not a directory"), std::string::npos) << written.error();
}

TEST(AtomicFile, UnwritableFolderGivesMessage) {
  if (::geteuid() == 0)
    GTEST_SKIP() << "root can write to any folder";
  TemporaryFolder folder;
  const fs::path locked = folder.path() / "locked";
  fs::create_directory(locked);
  fs::permissions(locked, fs::perms::owner_read | fs::perms::owner_exec);
  const fs::path target = locked / "report.xml";

  const auto written = write_file_atomically(target.string(), writer_of("content\n"));
  fs::permissions(locked, fs::perms::owner_all);

  ASSERT_FALSE(written);
  EXPECT_TRUE(written.error().starts_with("cannot write report '" + target.string() + "': "))
      << written.error();
  EXPECT_NE(written.error().find("Permission denied"), std::string::npos) << written.error();
  EXPECT_TRUE(folder_entries(locked).empty());
}

TEST(AtomicFile, FolderAsTargetIsRejected) {
  TemporaryFolder folder;
  const fs::path target = folder.path() / "reports";
  fs::create_directory(target);

  const auto written = write_file_atomically(target.string(), writer_of("content\n"));

  ASSERT_FALSE(written);
  EXPECT_TRUE(written.error().starts_with("cannot write report '" + target.string() + "': "))
      << written.error();
  EXPECT_TRUE(fs::is_directory(target));
  EXPECT_EQ(folder_entries(folder.path()), std::vector<std::string>{"reports"});
}

TEST(AtomicFile, TrailingSlashIsRejected) {
  TemporaryFolder folder;
  const std::string target = (folder.path() / "reports").string() + "/";

  const auto written = write_file_atomically(target, writer_of("content\n"));

  ASSERT_FALSE(written);
  EXPECT_EQ(written.error(),
            "cannot write report '" + target + "': the path names a folder, not a file");
}

}  // namespace
}  // namespace probe
