#pragma once
// Maps the heap that start-up is about to use before it is used, beside the start-up.
//
// In a virtual machine the first touch of every fresh heap page traps to the hypervisor:
// 12 us per 4 KiB page measured on the 2-core VMs this is built on, against 0.8 us per page
// for madvise(MADV_POPULATE_WRITE). Reading a config and starting its agents touches about
// 100 bytes of heap per byte of YAML (1000 agents: 9 MiB, the 84-agent demo: 1.5 MiB), all
// of it for the first time, most of it on the start-up's critical path. Real-time stacks
// (ROS 2's real-time guides) pre-fault their heap for the same reason.
//
// The host populates that much of its main heap on a thread of its own while the main thread
// reads the config (populating 2 MiB in one call took 1.3 ms of the main thread's time), and a
// thread that parses part of the config populates its own malloc arena before it starts. The
// memory is kept while the agents start, and what start-up did not use is given back when it
// is over. Kernels without MADV_POPULATE_WRITE (before 5.14) only skip the optimisation.

#include <cstddef>
#include <thread>

namespace agenthost::cli {

// The bytes to pre-fault for a config file: 96 per byte, from 1 MiB to 31 MiB (under
// glibc's largest mmap threshold, 32 MiB, which bounds one heap block).
std::size_t heap_prefault_bytes(std::size_t config_bytes);

// Populates `bytes` of the calling thread's heap (the main heap, or the thread's malloc
// arena) now, and keeps malloc from trimming or bypassing them until
// release_prefaulted_heap(). Returns the bytes populated (0 when the kernel cannot).
// Any thread may call it, also beside a HeapPrefault.
std::size_t prefault_heap(std::size_t bytes);

// Start-up is over: free heap pages go back to the kernel. Setting malloc's thresholds
// turned off glibc's dynamic mmap threshold for good, so this sets where that would settle
// for payloads up to 4 MiB: blocks under 4 MiB are reused from the heap rather than mapped
// and faulted in afresh for every message, and up to 8 MiB of free heap is kept.
void release_prefaulted_heap();

// Populates `bytes` of the main heap on a thread of its own, in steps of 256 KiB (one long
// madvise would hold the address space's lock, and every thread created meanwhile waits
// for it to map its stack). The calling thread allocates from those pages at once: the ones
// it reaches first it faults in itself. Construct it on the main thread, before other
// threads allocate.
class HeapPrefault {
 public:
  explicit HeapPrefault(std::size_t bytes);
  ~HeapPrefault();  // release()
  HeapPrefault(const HeapPrefault&) = delete;
  HeapPrefault& operator=(const HeapPrefault&) = delete;

  // Waits for the thread; the bytes it populated.
  std::size_t wait();
  // wait(), then release_prefaulted_heap(). Once; later calls do nothing.
  void release();

 private:
  std::size_t populated_ = 0;
  std::thread thread_;
  bool released_ = false;
};

}  // namespace agenthost::cli
