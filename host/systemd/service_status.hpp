#pragma once
// The one-line STATUS= texts the host gives systemd (`systemctl status` shows the last one):
// pure functions of the host's view, so that they can be tested without systemd.

#include <cstddef>
#include <string>

#include "runtime/agent_host.hpp"
#include "runtime/host_snapshot.hpp"
#include "runtime/startup_progress.hpp"

namespace agenthost::systemd {

// Agents of this host by what an operator cares about once start-up is over.
struct AgentCounts {
  std::size_t total = 0;
  std::size_t ready = 0;      // ready and healthy
  std::size_t degraded = 0;   // ready, health degraded
  std::size_t unhealthy = 0;  // ready, health unhealthy
  std::size_t starting = 0;   // pending .. starting (a restart, later)
  std::size_t stopped = 0;    // stopping or stopped
  std::size_t failed = 0;
  std::size_t blocked = 0;
  bool operator==(const AgentCounts&) const = default;
};

AgentCounts count_agents(const runtime::HostSnapshot& snapshot);

// "starting: 12/84 agents ready" (", 1 failed, 2 blocked" when so).
std::string starting_status(const runtime::StartupProgress& progress);
// The STATUS= sent with READY=1: "84 agents ready in 0.35 s", or, when some did not start,
// "80 of 84 agents ready in 0.35 s; 1 failed, 3 blocked (agentctl status)".
std::string ready_status(const runtime::StartupSummary& summary);
// "running: 84 ready", "running: 81 ready, 1 degraded, 1 failed, 1 blocked" (zeros left out).
std::string running_status(const AgentCounts& counts);
// "stopping 84 agents".
std::string stopping_status(const AgentCounts& counts);

}  // namespace agenthost::systemd
