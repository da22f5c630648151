#pragma once
// AgentContext: everything the host gives an agent. The host implements it; a plugin only
// ever sees this interface.
//
// Ownership: the host owns the context. It is created before Agent::configure() and
// destroyed after the agent object itself, so an agent may keep a reference to it (and to
// what it returns) in a member for its whole life. Everything an agent gets from the
// context is released by the host when the agent is destroyed.
//
// Threads: every method is safe to call from any thread the host runs agent code on.

#include <string>

#include <spdlog/logger.h>
#include <yaml-cpp/yaml.h>

namespace agenthost {

class AgentContext {
 public:
  virtual ~AgentContext() = default;

  // The agent's unique name from the config ("ModelManagerAgent").
  virtual const std::string& name() const = 0;

  // The machine this instance runs on (the host's name, e.g. "main_pc").
  virtual const std::string& machine() const = 0;

  // The agent's `config:` node from the host config, handed over untouched except that
  // ${VAR} references are already substituted. An undefined node when there is none.
  // Read-only: it is shared with the host's view of the configuration.
  virtual const YAML::Node& config() const = 0;

  // A logger named after the agent. Its sinks live in the host (stderr or the journal, and
  // whatever the operator configured); the agent must not add sinks or register the logger
  // with spdlog's global registry — both would outlive the plugin's code on unload.
  virtual spdlog::logger& logger() const = 0;

  // Later API minors add: serve(), client(), sockets(), errors(), metrics(), timers(),
  // executor() — each released by the host when the agent stops.
};

}  // namespace agenthost
