#include "cli/heap_prefault.hpp"

#include <malloc.h>
#include <sys/mman.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <system_error>

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
constexpr std::uintptr_t kStep = 256 * 1024;

// mallopt's thresholds are process-wide: several threads pre-faulting at once only ever
// raise them, and release_prefaulted_heap() lowers them once.
std::mutex kept_mu;
std::size_t kept_bytes = 0;

// A block of `bytes` must come from the heap (not a mapping of its own) and stay in it when
// freed: it is the memory the next allocations are carved from.
void keep_in_heap(std::size_t bytes) {
  std::lock_guard lock(kept_mu);
  if (bytes <= kept_bytes) return;
  kept_bytes = bytes;
  mallopt(M_TRIM_THRESHOLD, static_cast<int>(bytes * 2));
  mallopt(M_MMAP_THRESHOLD, static_cast<int>(bytes + kMiB));
}

struct PageRange {
  std::uintptr_t begin = 0;
  std::uintptr_t end = 0;
};

// Reserves `bytes` of the calling thread's heap and frees them again: the whole pages of the
// block, which the next allocations on this thread are carved from.
PageRange reserve(std::size_t bytes) {
  keep_in_heap(bytes);
  void* block = std::malloc(bytes);
  if (block == nullptr) return {};
  const auto address = reinterpret_cast<std::uintptr_t>(block);
  PageRange range{(address + kPage - 1) & ~(kPage - 1), (address + bytes) & ~(kPage - 1)};
  std::free(block);
  return range.end > range.begin ? range : PageRange{};
}

// Populating never changes what the pages hold, so it may run while they are in use. In
// steps: one long madvise holds the address space's lock, and every thread that maps memory
// meanwhile (a new thread's stack, a heap that grows) waits for it.
std::size_t populate(PageRange range, std::uintptr_t step) {
  std::size_t done = 0;
  for (auto at = range.begin; at < range.end; at += step) {
    const auto length = std::min(step, range.end - at);
    if (::madvise(reinterpret_cast<void*>(at), length, MADV_POPULATE_WRITE) != 0) break;
    done += length;
  }
  return done;
}

}  // namespace

std::size_t heap_prefault_bytes(std::size_t config_bytes) {
  return std::clamp(config_bytes * 96, kMin, kMax);
}

std::size_t prefault_heap(std::size_t bytes) {
  return populate(reserve(std::clamp(bytes, kMin, kMax)), kStep);
}

void release_prefaulted_heap() {
  {
    std::lock_guard lock(kept_mu);
    kept_bytes = 0;
    mallopt(M_MMAP_THRESHOLD, kMmapThreshold);
    mallopt(M_TRIM_THRESHOLD, kTrimThreshold);
  }
  malloc_trim(0);
}

HeapPrefault::HeapPrefault(std::size_t bytes) {
  const PageRange range = reserve(std::clamp(bytes, kMin, kMax));
  try {
    thread_ = std::thread([this, range] { populated_ = populate(range, kStep); });
  } catch (const std::system_error&) {
    populated_ = populate(range, kStep);  // no thread to spare: here, as before
  }
}

HeapPrefault::~HeapPrefault() { release(); }

std::size_t HeapPrefault::wait() {
  if (thread_.joinable()) thread_.join();
  return populated_;
}

void HeapPrefault::release() {
  if (released_) return;
  released_ = true;
  wait();
  release_prefaulted_heap();
}

}  // namespace agenthost::cli
