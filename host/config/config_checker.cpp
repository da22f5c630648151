#include "config/config_checker.hpp"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "config/suggest.hpp"
#include "graph/dependency_graph.hpp"
#include "loader/plugin_locator.hpp"

namespace agenthost::config {

namespace {

void check_duplicates(const ClusterConfig& config, Diagnostics& out) {
  std::unordered_map<std::string, const AgentSpec*> first;
  for (const auto& agent : config.agents) {
    auto [it, inserted] = first.emplace(agent.name, &agent);
    if (!inserted)
      out.error(agent.where, fmt::format("duplicate agent '{}' (first defined at {}; rename one)", agent.name,
                                         it->second->where.to_string()));
  }
}

// A listener every host runs (when configured), so its port is taken on every machine.
struct HostListener {
  std::string_view description;  // "the admin listener host.admin.listen"
  const ListenAddress& address;
};

std::vector<HostListener> host_listeners(const HostSpec& host) {
  std::vector<HostListener> out;
  if (host.admin) out.push_back({"the admin listener host.admin.listen", *host.admin});
  if (host.registry.backend == RegistrySpec::Backend::peers && host.registry.listen)
    out.push_back({"the registry listener host.registry.listen", *host.registry.listen});
  return out;
}

void check_ports(const ClusterConfig& config, Diagnostics& out) {
  const auto listeners = host_listeners(config.host);
  for (std::size_t i = 0; i < listeners.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      const auto& later = listeners[i].address;
      const auto& first = listeners[j].address;
      if (later.port == 0 || later.port != first.port) continue;  // 0: each gets an ephemeral port
      out.error(later.where, fmt::format("port {} of {} clashes with {} at {} (pick another port)", later.port,
                                         listeners[i].description, listeners[j].description,
                                         first.where.to_string()));
    }
  }
  std::map<std::pair<std::string, int>, const AgentSpec*> taken;  // (machine, port) -> first agent
  for (const auto& agent : config.agents) {
    if (!agent.port) continue;  // `auto` and unset never clash
    const int port = *agent.port;
    const auto listener = std::find_if(listeners.begin(), listeners.end(),
                                       [&](const HostListener& l) { return l.address.port == port; });
    if (listener != listeners.end()) {
      out.error(agent.port_where,
                fmt::format("port {} of agent '{}' clashes with {} at {} (every host listens there; pick another "
                            "port or write port: auto)",
                            port, agent.name, listener->description, listener->address.where.to_string()));
      continue;
    }
    for (const auto& machine : agent.machines) {  // a replica takes the port on each machine
      auto [it, inserted] = taken.emplace(std::make_pair(machine, port), &agent);
      if (inserted) continue;
      out.error(agent.port_where,
                fmt::format("port {} of agent '{}' clashes with agent '{}' at {} on machine '{}' (pick another "
                            "port or write port: auto)",
                            port, agent.name, it->second->name, it->second->port_where.to_string(), machine));
      break;
    }
  }
}

void check_dependency_names(const ClusterConfig& config, const std::unordered_set<std::string>& removed,
                            Diagnostics& out) {
  std::unordered_set<std::string> names;
  std::vector<std::string> all_names;
  for (const auto& agent : config.agents)
    if (names.insert(agent.name).second) all_names.push_back(agent.name);
  for (const auto& agent : config.agents) {
    for (const auto& dep : agent.dependencies) {
      if (dep.name == agent.name) {
        out.error(dep.where, fmt::format("agent '{}' depends on itself (remove it from its dependencies)",
                                         agent.name));
      } else if (!names.count(dep.name) && !removed.contains(dep.name)) {
        // Suggesting costs a scan of all names: only done for the (few) wrong ones.
        const std::string hint = did_you_mean(dep.name, all_names);
        out.error(dep.where, fmt::format("agent '{}' depends on unknown agent '{}' ({})", agent.name, dep.name,
                                         hint.empty() ? "define it, or remove it from dependencies" : hint));
      }
    }
  }
}

const SourceLocation& edge_location(const AgentSpec& from, const std::string& to) {
  for (const auto& dep : from.dependencies)
    if (dep.name == to) return dep.where;
  return from.where;
}

void check_cycles(const ClusterConfig& config, Diagnostics& out) {
  const auto g = graph::DependencyGraph::build(config.agents);
  if (!g.has_cycle()) return;
  // Ask for a few more than we list, to say how many were left out.
  const std::size_t probe = kMaxListedCycles * 10;
  auto cycles = g.cycles(probe);
  std::size_t listed = 0;
  for (const auto& cycle : cycles) {
    if (cycle.size() == 1) continue;  // a self-dependency, reported by check_dependency_names
    if (listed == kMaxListedCycles) break;
    ++listed;
    std::string path, notes;
    for (std::size_t i = 0; i < cycle.size(); ++i) {
      const auto& from = config.agents[cycle[i]];
      const auto& to = config.agents[cycle[(i + 1) % cycle.size()]];
      path += from.name + " -> ";
      notes += fmt::format("\n  {}: {} depends on {}", edge_location(from, to.name).to_string(), from.name,
                           to.name);
    }
    path += config.agents[cycle.front()].name;
    const auto& first = config.agents[cycle[0]];
    const auto& second = config.agents[cycle[1 % cycle.size()]];
    out.error(edge_location(first, second.name),
              fmt::format("dependency cycle: {} (remove one of these dependencies){}", path, notes));
  }
  std::size_t multi = 0;
  for (const auto& cycle : cycles) multi += cycle.size() > 1 ? 1 : 0;
  if (multi > listed) {
    const std::string more = cycles.size() >= probe ? fmt::format("at least {}", multi - listed)
                                                    : std::to_string(multi - listed);
    out.error({config.main_file, 0, 0}, fmt::format("and {} more dependency cycles (fix the ones above first)", more));
  }
}

void check_plugins(const ClusterConfig& config, Diagnostics& out) {
  // Many agents share a plugin: look each one up once.
  std::unordered_map<std::string, bool> found;
  for (const auto& agent : config.agents) {
    if (agent.plugin.empty()) continue;
    auto [it, inserted] = found.emplace(agent.plugin, false);
    if (inserted) it->second = loader::find_plugin(config.host.plugin_dirs, agent.plugin).has_value();
    if (it->second) continue;
    out.error(agent.plugin_where, fmt::format("plugin '{}' of agent '{}' not found ({}; build it, or fix "
                                              "host.plugin_dirs)",
                                              agent.plugin, agent.name,
                                              loader::describe_plugin_search(config.host.plugin_dirs, agent.plugin)));
  }
}

// The counterpart of check_plugins for process agents: a command given as a path must be a
// program (one looked up in PATH is found, or not, when it starts).
void check_commands(const ClusterConfig& config, Diagnostics& out) {
  for (const auto& agent : config.agents) {
    const auto& command = agent.process.command;
    if (agent.kind != AgentKind::process || command.find('/') == std::string::npos) continue;
    const auto path = agent.process.workdir.empty() || command.front() == '/'
                          ? std::filesystem::path(command)
                          : std::filesystem::path(agent.process.workdir) / command;
    if (::access(path.c_str(), X_OK) == 0) continue;
    out.error(agent.where, fmt::format("command '{}' of process agent '{}' is not an executable file (fix the "
                                       "path, or its mode)",
                                       command, agent.name));
  }
}

void check_addresses(const ClusterConfig& config, Diagnostics& out) {
  for (const auto& written : config.written_addresses) {
    if (written.in_default_of.empty())
      out.warning(written.where, fmt::format("literal IP address '{}' (use ${{VAR:-...}} or a host name)",
                                             written.address));
    else
      out.warning(written.where, fmt::format("literal IP address '{}' as the default of ${{{}}} (use a host "
                                             "name as the default)",
                                             written.address, written.in_default_of));
  }
}

}  // namespace

Diagnostics check_cluster(const ClusterConfig& config, const CheckOptions& options) {
  Diagnostics found;
  check_duplicates(config, found);
  check_ports(config, found);
  check_dependency_names(config, options.removed_agents, found);
  check_cycles(config, found);
  if (options.check_plugins) {
    check_plugins(config, found);
    check_commands(config, found);
  }
  check_addresses(config, found);
  if (!options.strict) return found;
  Diagnostics strict;
  for (auto d : found.items()) {
    d.severity = Severity::error;
    strict.add(std::move(d));
  }
  return strict;
}

}  // namespace agenthost::config
