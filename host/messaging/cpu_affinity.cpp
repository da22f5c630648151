#include "messaging/cpu_affinity.hpp"

#include <pthread.h>
#include <sched.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace agenthost::messaging {

std::optional<std::string> cpu_unusable(int cpu) {
  if (cpu < 0 || cpu >= CPU_SETSIZE) return fmt::format("CPU {} is out of range", cpu);
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (::sched_getaffinity(0, sizeof allowed, &allowed) != 0)
    return fmt::format("cannot read this process's CPUs: {}", std::strerror(errno));
  if (!CPU_ISSET(cpu, &allowed)) {
    std::string list;
    for (int k = 0; k < CPU_SETSIZE; ++k)
      if (CPU_ISSET(k, &allowed)) list += (list.empty() ? "" : ",") + std::to_string(k);
    return fmt::format("CPU {} is not one this process may run on (it may run on {})", cpu, list);
  }
  return std::nullopt;
}

std::optional<std::string> pin_this_thread(int cpu) {
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpu, &one);
  if (const int rc = ::pthread_setaffinity_np(::pthread_self(), sizeof one, &one); rc != 0)
    return fmt::format("cannot pin a thread to CPU {}: {}", cpu, std::strerror(rc));
  return std::nullopt;
}

}  // namespace agenthost::messaging
