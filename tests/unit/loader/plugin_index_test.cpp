#include "loader/plugin_index.hpp"

#include <unistd.h>

#include <fstream>

#include <gtest/gtest.h>

#include "loader/plugin_locator.hpp"

namespace agenthost::loader {
namespace {

namespace fs = std::filesystem;

class PluginIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("plugin-index-" + std::to_string(::getpid()));
    fs::create_directories(root_ / "a");
    fs::create_directories(root_ / "b");
  }
  void TearDown() override { fs::remove_all(root_); }
  void touch(const std::string& rel) { std::ofstream(root_ / rel) << "x"; }
  std::vector<std::string> dirs() const { return {(root_ / "a").string(), (root_ / "b").string()}; }

  fs::path root_;
};

TEST_F(PluginIndexTest, FollowsFindPluginOrder) {
  touch("a/foo.so");
  touch("a/libfoo.so");  // libNAME.so wins within a directory
  touch("b/libbar.so");
  touch("a/bar.so");     // an earlier directory wins over a later one
  touch("b/baz.so");
  touch("a/notes.txt");
  PluginIndex index(dirs());
  for (auto name : {"foo", "bar", "baz", "notes", "missing"})
    EXPECT_EQ(index.find(name), find_plugin(dirs(), name)) << name;
  EXPECT_EQ(index.find("foo"), root_ / "a/libfoo.so");
  EXPECT_EQ(index.find("bar"), root_ / "a/bar.so");
}

TEST_F(PluginIndexTest, AFileThatArrivesLaterIsStillFound) {
  PluginIndex index(dirs());
  EXPECT_FALSE(index.find("late"));
  touch("b/late.so");
  EXPECT_EQ(index.find("late"), root_ / "b/late.so");
}

TEST_F(PluginIndexTest, AMissingDirectoryIsNoError) {
  PluginIndex index({(root_ / "nope").string()});
  EXPECT_FALSE(index.find("foo"));
}

}  // namespace
}  // namespace agenthost::loader
