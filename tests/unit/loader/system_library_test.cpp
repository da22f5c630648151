#include "loader/system_library.hpp"

#include <gtest/gtest.h>

namespace agenthost::loader {
namespace {

TEST(SystemLibrary, FindsTheFunctionsOfALibraryThatIsThere) {
  SystemLibrary libc("libc.so.6", "libc6");
  std::size_t (*length)(const char*) = nullptr;
  libc.find("strlen", length);
  ASSERT_NE(length, nullptr);
  EXPECT_EQ(length("agenthost"), 9u);
  EXPECT_EQ(libc.error(), "");
}

TEST(SystemLibrary, AMissingFunctionIsTheErrorAndTheFirstOneIsKept) {
  SystemLibrary libc("libc.so.6", "libc6");
  void (*missing)() = nullptr;
  void (*also_missing)() = nullptr;
  libc.find("agenthost_no_such_function", missing);
  libc.find("agenthost_nor_this_one", also_missing);
  EXPECT_EQ(missing, nullptr);
  EXPECT_EQ(libc.error(), "libc.so.6 has no symbol agenthost_no_such_function");
}

TEST(SystemLibrary, AMissingLibraryNamesItselfAndThePackageToInstall) {
  SystemLibrary absent("libagenthost-absent.so.7", "libagenthost-absent7");
  int (*function)() = reinterpret_cast<int (*)()>(1);
  absent.find("anything", function);
  EXPECT_EQ(function, nullptr);
  EXPECT_NE(absent.error().find("cannot load libagenthost-absent.so.7"), std::string::npos) << absent.error();
  EXPECT_NE(absent.error().find("install Debian's libagenthost-absent7"), std::string::npos) << absent.error();
}

}  // namespace
}  // namespace agenthost::loader
