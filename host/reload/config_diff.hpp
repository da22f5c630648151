#pragma once
// What a re-read configuration changes: agents added, removed or changed (with the keys that
// changed), and the host.* settings that differ, which only a restart of the host applies.
// Pure; the runtime decides what to do on this host (agent_host_reconcile.cpp). Positions in
// the files are not compared: moving an agent to another line or drop-in changes nothing.

#include <string>
#include <vector>

#include "config/config_model.hpp"

namespace agenthost::reload {

struct AgentChange {
  std::string name;
  std::vector<std::string> keys;  // "config", "plugin", "port", "dependencies", ...
};

struct ConfigDiff {
  std::vector<std::string> added;    // in the new configuration only, in its order
  std::vector<std::string> removed;  // in the old one only, in its order
  std::vector<AgentChange> changed;  // in both, with a different setting
  std::vector<std::string> host_keys_changed;  // "host.bind", "host.registry", ...

  bool agents_unchanged() const { return added.empty() && removed.empty() && changed.empty(); }
};

ConfigDiff diff_configs(const config::ClusterConfig& before, const config::ClusterConfig& after);

// The agent keys whose values differ; empty when the two specs are the same agent.
std::vector<std::string> changed_agent_keys(const config::AgentSpec& before, const config::AgentSpec& after);

}  // namespace agenthost::reload
