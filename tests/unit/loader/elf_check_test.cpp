#include "loader/elf_check.hpp"

#include <dlfcn.h>

#include <cstdio>
#include <fstream>
#include <iterator>

#include <gtest/gtest.h>

#include "../config/test_support.hpp"

namespace agenthost::loader {
namespace {

// libc, the file this process loaded it from: a complete 64-bit ELF library to cut pieces
// from (small, unlike the test binary).
std::string a_library() {
  Dl_info info{};
  if (::dladdr(reinterpret_cast<void*>(&std::printf), &info) == 0 || info.dli_fname == nullptr) return {};
  std::ifstream in(info.dli_fname, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

TEST(ElfCheck, AWholeFileIsAcceptedAndEveryCutIsRefusedAsTruncated) {
  testing::TempDir dir;
  const std::string whole = a_library();
  ASSERT_GT(whole.size(), 4096u);
  EXPECT_EQ(check_complete_elf(dir.write("whole.so", whole)), std::nullopt);
  for (std::size_t keep : {whole.size() - 1, whole.size() / 2, whole.size() / 10, std::size_t{100}}) {
    auto problem = check_complete_elf(dir.write("cut.so", whole.substr(0, keep)));
    ASSERT_TRUE(problem) << keep << " bytes were accepted";
    EXPECT_NE(problem->find("truncated"), std::string::npos) << *problem;
  }
}

TEST(ElfCheck, NotAnElfFileSaysSo) {
  testing::TempDir dir;
  EXPECT_EQ(check_complete_elf(dir.write("text.so", std::string(100, 'x'))), "not an ELF file");
  auto empty = check_complete_elf(dir.write("empty.so", ""));
  ASSERT_TRUE(empty);
  EXPECT_NE(empty->find("0 bytes"), std::string::npos) << *empty;
}

}  // namespace
}  // namespace agenthost::loader
