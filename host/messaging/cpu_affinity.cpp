#include "messaging/cpu_affinity.hpp"

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace agenthost::messaging {

std::vector<int> allowed_cpus() {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  std::vector<int> cpus;
  if (::sched_getaffinity(0, sizeof allowed, &allowed) == 0)
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
      if (CPU_ISSET(cpu, &allowed)) cpus.push_back(cpu);
  return cpus;
}

std::optional<std::string> cpu_unusable(int cpu) {
  if (cpu < 0 || cpu >= CPU_SETSIZE) return fmt::format("CPU {} is out of range", cpu);
  const auto cpus = allowed_cpus();
  if (cpus.empty()) return fmt::format("cannot read this process's CPUs: {}", std::strerror(errno));
  if (std::find(cpus.begin(), cpus.end(), cpu) == cpus.end())
    return fmt::format("CPU {} is not one this process may run on (it may run on {})", cpu, fmt::join(cpus, ","));
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
