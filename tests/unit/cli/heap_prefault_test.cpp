// The heap pre-fault of `agenthost run`: populated pages are used without a page fault, and
// what start-up did not use is given back.

#include "cli/heap_prefault.hpp"

#include <sys/resource.h>

#include <cstdlib>
#include <cstring>
#include <vector>

#include <gtest/gtest.h>

namespace agenthost::cli {
namespace {

constexpr std::size_t kMiB = std::size_t{1} << 20;

long minor_faults() {
  rusage usage{};
  getrusage(RUSAGE_THREAD, &usage);
  return usage.ru_minflt;
}

// Allocates `total` bytes in 1 KiB blocks (served from the main heap on this thread) and
// writes every byte; returns the minor page faults that took.
long faults_to_fill(std::size_t total, std::vector<void*>& blocks) {
  const long before = minor_faults();
  for (std::size_t done = 0; done < total; done += 1024) {
    void* block = std::malloc(1024);
    std::memset(block, 0x5a, 1024);
    blocks.push_back(block);
  }
  return minor_faults() - before;
}

TEST(HeapPrefaultTest, SizeFollowsTheConfigWithinBounds) {
  EXPECT_EQ(heap_prefault_bytes(0), 1 * kMiB);
  EXPECT_EQ(heap_prefault_bytes(20'000), 1'920'000u);  // the demo config
  EXPECT_EQ(heap_prefault_bytes(100'000), 9'600'000u);        // 1000 agents
  EXPECT_EQ(heap_prefault_bytes(10 * kMiB), 31 * kMiB);
}

TEST(HeapPrefaultTest, PopulatedHeapIsUsedWithoutPageFaults) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "a sanitizer's allocator replaces glibc's malloc, which this tunes";
#endif
  const std::size_t populated = prefault_heap(16 * kMiB);
  if (populated == 0) GTEST_SKIP() << "this kernel has no MADV_POPULATE_WRITE (Linux < 5.14)";
  EXPECT_GE(populated, 16 * kMiB - 8192);

  // 8 MiB is 2048 pages: without the pre-fault, each would fault once.
  std::vector<void*> blocks;
  blocks.reserve(8 * 1024);
  const long faults = faults_to_fill(8 * kMiB, blocks);
  EXPECT_LT(faults, 200) << "pages touched for the first time after the pre-fault";
  for (void* block : blocks) std::free(block);
  release_prefaulted_heap();
}

}  // namespace
}  // namespace agenthost::cli
