#pragma once
// Maps the heap that start-up is about to use in one system call, before it is used.
//
// In a virtual machine the first touch of every fresh heap page traps to the hypervisor:
// 12 us per 4 KiB page measured on the 2-core VMs this is built on, against 0.8 us per page
// for madvise(MADV_POPULATE_WRITE). Reading a config and starting its agents touches about
// 100 bytes of heap per byte of YAML (1000 agents: 9 MiB, the 84-agent demo: 1.5 MiB), all
// of it for the first time, most of it on the start-up's critical path. Real-time stacks
// (ROS 2's real-time guides) pre-fault their heap for the same reason.
//
// The host populates that much of its main heap before reading the config, keeps it while
// the agents start, and gives back what start-up did not use when it is over. Kernels
// without MADV_POPULATE_WRITE (before 5.14) only skip the optimisation.

#include <cstddef>
#include <string>

namespace agenthost::cli {

// The bytes to pre-fault for a config file: 96 per byte, from 1 MiB to 31 MiB (under
// glibc's largest mmap threshold, 32 MiB, which bounds one heap block).
std::size_t heap_prefault_bytes(std::size_t config_bytes);

// Populates `bytes` of the main heap and keeps malloc from trimming them. Returns the bytes
// populated (0 when the kernel cannot).
std::size_t prefault_heap(std::size_t bytes);

// Start-up is over: free heap pages go back to the kernel. Setting malloc's thresholds
// turned off glibc's dynamic mmap threshold for good, so this sets where that would settle
// for payloads up to 4 MiB: blocks under 4 MiB are reused from the heap rather than mapped
// and faulted in afresh for every message, and up to 8 MiB of free heap is kept.
void release_prefaulted_heap();

}  // namespace agenthost::cli
