// Plugin files and folders that others than root or the host's user can write are refused.

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "loader/plugin_permissions.hpp"
#include "../config/test_support.hpp"

namespace agenthost::loader {
namespace {

namespace fs = std::filesystem;

struct PluginPermissionsTest : ::testing::Test {
  testing::TempDir dir;
  fs::path folder = dir.path() / "plugins";
  fs::path file = folder / "p.so";
  void SetUp() override {
    fs::create_directories(folder);
    fs::permissions(folder, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                fs::perms::others_read | fs::perms::others_exec);
    std::ofstream(file) << "x";
    fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                              fs::perms::others_read);
  }
};

TEST_F(PluginPermissionsTest, OwnedByThisUserAndWritableByItAloneIsSafe) {
  EXPECT_EQ(unsafe_plugin_permissions(file), std::nullopt);
}

TEST_F(PluginPermissionsTest, GroupOrWorldWritableFileOrFolderIsRefusedWithTheFix) {
  fs::permissions(file, fs::perms::group_write, fs::perm_options::add);
  auto problem = unsafe_plugin_permissions(file);
  ASSERT_TRUE(problem);
  EXPECT_NE(problem->find("refusing the plugin file " + file.string() + ": group '"), std::string::npos) << *problem;
  EXPECT_NE(problem->find("(mode 0664; only root or the user agenthost runs as may: chmod g-w " + file.string()),
            std::string::npos)
      << *problem;

  fs::permissions(file, fs::perms::group_write, fs::perm_options::remove);
  fs::permissions(folder, fs::perms::others_write, fs::perm_options::add);
  problem = unsafe_plugin_permissions(file);
  ASSERT_TRUE(problem);
  EXPECT_NE(problem->find("refusing the plugin folder " + folder.string() + ": anyone can write it (mode 0757; chmod "
                          "o-w " + folder.string() + ")"),
            std::string::npos)
      << *problem;
}

TEST_F(PluginPermissionsTest, AFileOfAnotherUserIsRefused) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give the file away";
  ASSERT_EQ(::chown(file.c_str(), 65534, 65534), 0);  // nobody
  auto problem = unsafe_plugin_permissions(file);
  ASSERT_TRUE(problem);
  EXPECT_NE(problem->find("it belongs to user 'nobody'"), std::string::npos) << *problem;
}

TEST_F(PluginPermissionsTest, AMissingFileSaysSo) {
  auto problem = unsafe_plugin_permissions(folder / "none.so");
  ASSERT_TRUE(problem);
  EXPECT_NE(problem->find("cannot check the plugin file"), std::string::npos) << *problem;
}

}  // namespace
}  // namespace agenthost::loader
