#include "control/atomic_file.hpp"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "../config/test_support.hpp"

namespace agenthost::control {
namespace {

std::string read(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::size_t files_in(const std::filesystem::path& dir) {
  return static_cast<std::size_t>(std::distance(std::filesystem::directory_iterator(dir), {}));
}

TEST(AtomicFile, WritesAndReplacesTheWholeFileAndLeavesNoTemporary) {
  testing::TempDir dir;
  const auto path = (dir.path() / "chart.svg").string();
  EXPECT_EQ(write_file_atomically(path, "first version"), std::nullopt);
  EXPECT_EQ(write_file_atomically(path, "second"), std::nullopt);
  EXPECT_EQ(read(path), "second");
  EXPECT_EQ(files_in(dir.path()), 1u);

  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
}

TEST(AtomicFile, AnUnwritablePlaceGivesAnErrorNamingTheFile) {
  testing::TempDir dir;
  const auto path = (dir.path() / "no-such-folder" / "chart.svg").string();
  const auto error = write_file_atomically(path, "x");
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(*error, "cannot write " + path + ": No such file or directory");
}

TEST(AtomicFile, AFolderInTheWayIsReportedAndCleanedUp) {
  testing::TempDir dir;
  std::filesystem::create_directory(dir.path() / "chart.svg");
  const auto path = (dir.path() / "chart.svg").string();
  const auto error = write_file_atomically(path, "x");
  ASSERT_TRUE(error.has_value());
  EXPECT_NE(error->find("cannot write " + path + ": "), std::string::npos) << *error;
  EXPECT_EQ(files_in(dir.path()), 1u) << "the temporary file is removed";
}

}  // namespace
}  // namespace agenthost::control
