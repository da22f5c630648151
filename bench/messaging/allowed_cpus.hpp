#pragma once
// The first and last CPU this process may run on, for the sections that set host.sockets_cpu.

#include "messaging/cpu_affinity.hpp"

namespace agenthost::bench {

// 0 when the kernel does not say.
inline int first_allowed_cpu() {
  const auto cpus = messaging::allowed_cpus();
  return cpus.empty() ? 0 : cpus.front();
}

inline int last_allowed_cpu() {
  const auto cpus = messaging::allowed_cpus();
  return cpus.empty() ? 0 : cpus.back();
}

}  // namespace agenthost::bench
