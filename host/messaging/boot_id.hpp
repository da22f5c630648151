#pragma once
// A random id for this run of the host: peers and the error collector tell a restarted host
// (whose counters start again) from the one before by it.

#include <random>
#include <string>

#include <fmt/format.h>

namespace agenthost::messaging {

inline std::string make_boot_id() {
  std::random_device random;
  return fmt::format("{:08x}{:08x}", random(), random());
}

}  // namespace agenthost::messaging
