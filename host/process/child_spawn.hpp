#pragma once
// fork/exec of one program with its output on two pipes, in its own process group, killed by
// the kernel when the thread that spawned it ends (PR_SET_PDEATHSIG: it cannot outlive the
// host, even when the host is killed).

#include <sys/types.h>

#include "process/launch_spec.hpp"

namespace agenthost::process {

// Starts `spec` with stdin from /dev/null and stdout/stderr on the given descriptors. Returns
// the pid once exec has succeeded; throws std::runtime_error with the reason (no such
// program, a bad workdir) when it has not. The parent-death signal is tied to the calling
// thread: call it from a thread that lives as long as the child (ChildProcess's watcher).
pid_t spawn_child(const LaunchSpec& spec, int stdout_fd, int stderr_fd);

}  // namespace agenthost::process
