#pragma once
// The readers of the config's sections, used by config_loader.cpp.

#include <cstddef>
#include <limits>
#include <optional>

#include <yaml-cpp/yaml.h>

#include "config/config_model.hpp"
#include "config/map_fields.hpp"
#include "config/yaml_reader.hpp"

namespace agenthost::config {

// Reads `host:` into `host`. Paths are left as written; the loader resolves them.
// `agents_dir_where` receives the position of host.agents_dir, for "does not exist".
void read_host_section(const YAML::Node& node, YamlReader& reader, HostSpec& host,
                       SourceLocation& agents_dir_where);

// host.bind and host.advertise of the `host:` mapping `host_node` (endpoint_section.cpp).
// host.advertise is left empty when unset: the loader fills in host.bind.
void read_endpoint_addresses(const YAML::Node& host_node, YamlReader& reader, HostSpec& host);

// host.registry (registry_section.cpp) and host.client (client_section.cpp).
void read_registry_section(const YAML::Node& node, YamlReader& reader, RegistrySpec& registry);
void read_client_section(const YAML::Node& node, YamlReader& reader, ClientSpec& client);

// host.error_bus (error_bus_section.cpp).
void read_error_bus_section(const YAML::Node& node, YamlReader& reader, ErrorBusSpec& error_bus);

// host.curve (curve_section.cpp): the paths as written, with their positions.
void read_curve_section(const YAML::Node& node, YamlReader& reader, std::optional<CurveSpec>& curve);
// Reads host.curve's key files (paths resolved by the loader), reporting problems at the keys'
// positions.
void load_curve_keys(std::optional<CurveSpec>& curve, Diagnostics& diags);

// host.log (log_section.cpp), and one log level value: host.log.level or an agent's log_level.
// `owner` ends the name in messages: "unknown log_level 'x' for agent 'A'".
void read_log_section(const YAML::Node& node, YamlReader& reader, LogSpec& log);
std::optional<observability::LogLevel> read_log_level(const YAML::Node& node, YamlReader& reader,
                                                      std::string_view key, std::string_view owner = "");

// Reads one agent mapping. std::nullopt when it has no usable name (the problems are
// reported); an agent with other bad values is returned, so that later checks (duplicates,
// dependencies) still see it and do not report it as unknown.
std::optional<AgentSpec> read_agent(const YAML::Node& node, YamlReader& reader);
// restart_backoff, start_limit and liveness of one agent (supervision_section.cpp).
void read_supervision(const MapFields& fields, YamlReader& reader, AgentSpec& agent);

// kind: plugin|process (process_section.cpp), and the keys only process agents have:
// command, args, env, workdir, endpoint, ready, stop_timeout. For a plugin agent, reports any
// of them as misplaced.
void read_agent_kind(const YAML::Node& node, YamlReader& reader, AgentSpec& agent);
void read_process_keys(const MapFields& fields, YamlReader& reader, AgentSpec& agent);
const std::vector<std::string>& process_agent_keys();

// Reads a list of agents (`agents:`), its first `count` items, appending to `out`.
void read_agent_list(const YAML::Node& node, YamlReader& reader, std::vector<AgentSpec>& out,
                     std::size_t count = std::numeric_limits<std::size_t>::max());

// Stores a value that was read; keeps the default when it was not (the problem is reported).
// True when stored.
template <typename T>
bool assign(std::optional<T> value, T& target) {
  if (!value) return false;
  target = std::move(*value);
  return true;
}

}  // namespace agenthost::config
