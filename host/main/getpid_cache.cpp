#include "main/getpid_cache.hpp"

#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <new>

namespace {

constexpr std::size_t kPage = 4096;

// Null until this file's static initialisation has run (a library's constructor may call
// getpid() before it): then every call asks the kernel.
std::atomic<std::atomic<pid_t>*> pid_slot{nullptr};

std::atomic<pid_t>* make_slot() {
  void* page = ::mmap(nullptr, kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (page == MAP_FAILED) return nullptr;
  if (::madvise(page, kPage, MADV_WIPEONFORK) != 0) {  // without it a child would see our pid
    ::munmap(page, kPage);
    return nullptr;
  }
  return new (page) std::atomic<pid_t>(0);  // never freed: it lives as long as the process
}

const bool slot_made = [] {
  pid_slot.store(make_slot(), std::memory_order_release);
  return true;
}();

pid_t kernel_pid() { return static_cast<pid_t>(::syscall(SYS_getpid)); }

}  // namespace

// Async-signal-safe, as POSIX asks of getpid(): atomic loads and stores, and the system call.
extern "C" pid_t getpid() noexcept {
  auto* slot = pid_slot.load(std::memory_order_acquire);
  if (slot == nullptr) return kernel_pid();
  pid_t pid = slot->load(std::memory_order_relaxed);
  if (pid == 0) {  // the first call, or the first in a forked child (the page was wiped)
    pid = kernel_pid();
    slot->store(pid, std::memory_order_relaxed);
  }
  return pid;
}

namespace agenthost {

bool getpid_is_cached() { return slot_made && pid_slot.load(std::memory_order_acquire) != nullptr; }

}  // namespace agenthost
