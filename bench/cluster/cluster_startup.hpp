#pragma once
// Start-up of the whole cluster, timed from outside: from just before the three hosts are
// spawned until every host has its own agents ready ("startup complete") and its registry
// has reported every agent of the other machines ready (the registry's debug lines).

#include <chrono>
#include <optional>
#include <string>

#include "cluster_lab.hpp"

namespace agenthost::bench {

struct ClusterStartup {
  // Spawn -> the last host's "startup complete": each host's own work, the baseline.
  std::chrono::nanoseconds last_host_complete{0};
  // Spawn -> every agent of the cluster seen ready on every host.
  std::chrono::nanoseconds all_visible_everywhere{0};
};

// Waits (until `deadline`) for the hosts that `lab.start_hosts()` spawned at `spawned`;
// std::nullopt with the reason in `why` when one of them does not get there.
std::optional<ClusterStartup> wait_for_cluster_startup(ClusterLab& lab, Clock::time_point spawned,
                                                       Clock::time_point deadline, std::string* why);

}  // namespace agenthost::bench
