#include "cli/heap_prefault.hpp"

#include <malloc.h>
#include <sys/mman.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>

namespace agenthost::cli {
namespace {

#ifndef MADV_POPULATE_WRITE
constexpr int MADV_POPULATE_WRITE = 23;  // Linux 5.14; Debian 12's headers predate it
#endif

constexpr std::size_t kMiB = std::size_t{1} << 20;
constexpr std::size_t kMin = 1 * kMiB;
constexpr std::size_t kMax = 31 * kMiB;  // under M_MMAP_THRESHOLD's maximum (32 MiB)
constexpr int kMmapThreshold = 4 * 1024 * 1024;
constexpr int kTrimThreshold = 2 * kMmapThreshold;  // the ratio glibc's dynamic threshold keeps
constexpr std::uintptr_t kPage = 4096;

}  // namespace

std::size_t heap_prefault_bytes(std::size_t config_bytes) {
  return std::clamp(config_bytes * 96, kMin, kMax);
}

std::size_t prefault_heap(std::size_t bytes) {
  bytes = std::clamp(bytes, kMin, kMax);
  // One block that big must come from the heap (not its own mmap), and stay in the heap
  // when freed: it is the memory the next allocations are carved from.
  mallopt(M_TRIM_THRESHOLD, static_cast<int>(bytes * 2));
  mallopt(M_MMAP_THRESHOLD, static_cast<int>(bytes + kMiB));
  void* block = std::malloc(bytes);
  mallopt(M_MMAP_THRESHOLD, kMmapThreshold);
  if (block == nullptr) return 0;
  const auto begin = (reinterpret_cast<std::uintptr_t>(block) + kPage - 1) & ~(kPage - 1);
  const auto end = (reinterpret_cast<std::uintptr_t>(block) + bytes) & ~(kPage - 1);
  const bool populated =
      end > begin && ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_POPULATE_WRITE) == 0;
  std::free(block);
  return populated ? end - begin : 0;
}

void release_prefaulted_heap() {
  mallopt(M_TRIM_THRESHOLD, kTrimThreshold);
  malloc_trim(0);
}

}  // namespace agenthost::cli
