#pragma once
// Whole-cluster rules that no single value shows: duplicate names, port clashes, dependency
// cycles and unknown dependencies, missing plugins, literal IP addresses.

#include <string>
#include <unordered_set>

#include "config/config_model.hpp"
#include "config/diagnostic.hpp"

namespace agenthost::config {

struct CheckOptions {
  bool strict = false;         // warnings become errors
  bool check_plugins = true;   // look for every agent's plugin file in host.plugin_dirs
  // A configuration reload's removed agents: a dependency on one is not an error here (the
  // reload refuses the removal while a running agent needs it, unless forced).
  std::unordered_set<std::string> removed_agents = {};
};

// At most this many cycles are listed; the rest are counted.
inline constexpr std::size_t kMaxListedCycles = 100;

Diagnostics check_cluster(const ClusterConfig& config, const CheckOptions& options);

}  // namespace agenthost::config
