#pragma once
// The CPUs this process may run on, for the sections that set host.sockets_cpu.

#include <sched.h>

namespace agenthost::bench {

// The first (or last) CPU in this process's affinity mask; 0 when it cannot be read.
inline int allowed_cpu(bool last) {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (::sched_getaffinity(0, sizeof allowed, &allowed) != 0) return 0;
  int found = 0;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (!CPU_ISSET(cpu, &allowed)) continue;
    found = cpu;
    if (!last) break;
  }
  return found;
}

inline int first_allowed_cpu() { return allowed_cpu(false); }
inline int last_allowed_cpu() { return allowed_cpu(true); }

}  // namespace agenthost::bench
