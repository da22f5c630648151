#pragma once
// What a running agenthost costs in memory (PSS): the 84-agent demo, each agent with a bound
// endpoint, and the increment of one more agent of an already loaded plugin.

#include <cstdint>
#include <string>

namespace agenthost::bench {

struct HostBinaries {
  std::string agenthost;
  std::string agentctl;
  std::string plugin_dir;
  std::string demo_config;
};

// PSS of one host running every agent of the demo (both machines), once all are ready.
std::uint64_t demo_host_pss_kib(const HostBinaries& bin);

// (PSS of a host with `agents` echo agents, each with a tcp endpoint on an ephemeral port,
// minus that of a host with one) / (agents - 1).
double per_agent_kib(const HostBinaries& bin, int agents);

}  // namespace agenthost::bench
