#pragma once
// Proportional set size: a process's resident memory with every shared page divided among the
// processes that share it. Unlike RSS, the PSS of a set of processes adds up to what the set
// really costs, so 84 processes sharing libzmq are not charged 84 times for it.

#include <sys/types.h>

#include <cstdint>
#include <span>

namespace agenthost::bench {

// The `Pss:` line of /proc/PID/smaps_rollup, in KiB. Throws std::runtime_error when the file
// cannot be read (no such process, no permission, a kernel older than 4.14).
std::uint64_t pss_kib(pid_t pid);

// The sum over `pids`.
std::uint64_t pss_kib(std::span<const pid_t> pids);

}  // namespace agenthost::bench
