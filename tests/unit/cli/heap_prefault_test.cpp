// The heap pre-fault of `agenthost run`: populated pages are used without a page fault, and
// what start-up did not use is given back.

#include "cli/heap_prefault.hpp"

#include <sys/resource.h>

#include <cstdlib>
#include <cstring>
#include <thread>
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

// `total` bytes in 1 KiB blocks (served from this thread's heap), every byte written, and
// the minor page faults that took; the blocks are freed when it goes.
struct Filled {
  explicit Filled(std::size_t total) {
    blocks.reserve(total / 1024);
    const long before = minor_faults();
    for (std::size_t done = 0; done < total; done += 1024) {
      void* block = std::malloc(1024);
      std::memset(block, 0x5a, 1024);
      blocks.push_back(block);
    }
    faults = minor_faults() - before;
  }
  ~Filled() {
    for (void* block : blocks) std::free(block);
  }
  Filled(const Filled&) = delete;
  Filled& operator=(const Filled&) = delete;

  std::vector<void*> blocks;
  long faults = 0;
};

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

  {
    // 8 MiB is 2048 pages: without the pre-fault, each would fault once.
    const Filled filled(8 * kMiB);
    EXPECT_LT(filled.faults, 200) << "pages touched for the first time after the pre-fault";
  }
  release_prefaulted_heap();
}

TEST(HeapPrefaultTest, ABackgroundPrefaultPopulatesTheMainHeapWhileItIsUsed) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "a sanitizer's allocator replaces glibc's malloc, which this tunes";
#endif
  HeapPrefault prefault(16 * kMiB);
  {
    // Allocating before it is done is what start-up does: the blocks come from its pages.
    const Filled early(1 * kMiB);
    const std::size_t populated = prefault.wait();
    if (populated == 0) GTEST_SKIP() << "this kernel has no MADV_POPULATE_WRITE (Linux < 5.14)";
    EXPECT_GE(populated, 16 * kMiB - 8192);
    const Filled filled(8 * kMiB);
    EXPECT_LT(filled.faults, 200) << "pages touched for the first time after the pre-fault";
  }
  prefault.release();
  prefault.release();  // once
}

TEST(HeapPrefaultTest, AThreadPrefaultsItsOwnArena) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "a sanitizer's allocator replaces glibc's malloc, which this tunes";
#endif
  std::size_t populated = 0;
  long faults = 0;
  std::thread([&] {
    // The piece of a config that a second thread parses comes from this thread's own arena.
    populated = prefault_heap(8 * kMiB);
    faults = Filled(4 * kMiB).faults;
  }).join();
  release_prefaulted_heap();
  if (populated == 0) GTEST_SKIP() << "this kernel has no MADV_POPULATE_WRITE (Linux < 5.14)";
  EXPECT_GE(populated, 8 * kMiB - 8192);
  EXPECT_LT(faults, 100) << "pages of the thread's arena touched for the first time";
}

}  // namespace
}  // namespace agenthost::cli
