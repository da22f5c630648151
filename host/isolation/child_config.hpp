#pragma once
// The config file of an isolated agent's child agenthost: this host's settings that matter to
// one agent (plugin folders, health, client, workers, log) and that agent alone, without its
// dependencies (the host waits for them), port (the host's endpoint keeps it) or restart
// policy (the host supervises the child).

#include <string>

#include "config/config_model.hpp"
#include "observability/log_settings.hpp"

namespace agenthost::isolation {

// YAML text that `agenthost run` reads as it reads any config. The agent's own `config:` is
// written with every '$' doubled, so the child substitutes nothing a second time.
std::string child_config_yaml(const config::HostSpec& host, const std::string& machine,
                              const config::AgentSpec& agent, observability::LogLevel host_level);

}  // namespace agenthost::isolation
