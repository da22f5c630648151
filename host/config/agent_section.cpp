#include <algorithm>
#include <cctype>
#include <charconv>

#include <fmt/format.h>

#include "config/config_sections.hpp"
#include "config/map_fields.hpp"
#include "config/suggest.hpp"

namespace agenthost::config {

namespace {

const std::vector<std::string> kAgentKeys = {"name",          "kind",        "plugin",          "machine",
                                             "port",          "dependencies", "restart",        "restart_backoff",
                                             "start_limit",   "liveness",    "expected_start",  "start_timeout",
                                             "concurrency",   "log_level",   "config",          "isolation"};
const std::vector<std::string> kRestartValues = {"on-failure", "always", "never"};
const std::vector<std::string> kIsolationValues = {"none", "process"};

void read_isolation(const YAML::Node& node, YamlReader& reader, AgentSpec& agent) {
  agent.isolation_where = reader.at(node);
  auto text = reader.text(node, "isolation");
  if (!text) return;
  if (agent.kind == AgentKind::process) {
    reader.error(node, fmt::format("process agent '{}' runs in a process of its own already (remove isolation)",
                                   agent.name));
  } else if (*text == "process") {
    agent.isolation = Isolation::process;
  } else if (*text == "none") {
    agent.isolation = Isolation::none;
  } else {
    const std::string hint = did_you_mean(*text, kIsolationValues);
    reader.error(node, fmt::format("unknown isolation '{}' for agent '{}' ({})", *text, agent.name,
                                   hint.empty() ? "use process, or none for the host's own process" : hint));
  }
}

// The plugin is a file name stem looked up in plugin_dirs: a path or a space there is a typo
// (or a quote left open, which yaml-cpp lets run to the end of the file).
bool valid_plugin_name(const std::string& name) {
  if (name.empty() || name.front() == '.') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
  });
}

void read_port(const YAML::Node& node, YamlReader& reader, AgentSpec& agent) {
  agent.port_where = reader.at(node);
  auto text = reader.text(node, "port");
  if (!text) return;
  if (*text == "auto") {
    agent.port_auto = true;
    return;
  }
  int port = 0;
  const char* end = text->data() + text->size();
  auto [ptr, ec] = std::from_chars(text->data(), end, port);
  if (text->empty() || ec != std::errc() || ptr != end) {
    reader.error(node, fmt::format("port of agent '{}' must be an integer 1..65535 or 'auto', got '{}'",
                                   agent.name, *text));
  } else if (port < 1 || port > 65535) {
    reader.error(node, fmt::format("port {} of agent '{}' is out of range (use 1..65535, or 'auto')", port,
                                   agent.name));
  } else {
    agent.port = port;
  }
}

// `machine: pc2` or `machine: [pc2, pc3]` (replicas: one instance on each, calls spread).
void read_machines(const YAML::Node& node, YamlReader& reader, AgentSpec& agent) {
  agent.machine_where = reader.at(node);
  if (node.IsMap()) {
    reader.error(node, fmt::format("machine of agent '{}' must be a machine name or a list of them for replicas "
                                   "([pc2, pc3]), got a map",
                                   agent.name));
  } else if (!node.IsSequence()) {
    if (auto text = reader.text(node, "machine")) agent.machines = {*text};
  } else if (auto list = reader.text_list(node, "machine")) {
    if (list->empty())
      reader.error(node, fmt::format("machine of agent '{}' is an empty list (name at least one machine, or "
                                     "leave it out for host.name)",
                                     agent.name));
    for (const auto& item : *list) {
      if (std::find(agent.machines.begin(), agent.machines.end(), item.text) != agent.machines.end()) {
        reader.diagnostics().error(item.where, fmt::format("machine '{}' is listed twice for agent '{}' (each "
                                                           "machine runs one instance of it)",
                                                           item.text, agent.name));
        continue;
      }
      agent.machines.push_back(item.text);
    }
  }
  if (!agent.machines.empty()) agent.machine = agent.machines.front();
}

void read_restart(const YAML::Node& node, YamlReader& reader, AgentSpec& agent) {
  auto text = reader.text(node, "restart");
  if (!text) return;
  if (*text == "on-failure") agent.restart = RestartPolicy::on_failure;
  else if (*text == "always") agent.restart = RestartPolicy::always;
  else if (*text == "never") agent.restart = RestartPolicy::never;
  else {
    const std::string hint = did_you_mean(*text, kRestartValues);
    reader.error(node, fmt::format("unknown restart policy '{}' for agent '{}' ({})", *text, agent.name,
                                   hint.empty() ? "use on-failure, always or never" : hint));
  }
}

}  // namespace

std::optional<AgentSpec> read_agent(const YAML::Node& node, YamlReader& reader) {
  if (!reader.expect_map(node, "an agent")) return std::nullopt;
  static const std::vector<std::string> all_keys = [] {
    auto keys = kAgentKeys;
    keys.insert(keys.end(), process_agent_keys().begin(), process_agent_keys().end());
    return keys;
  }();
  reader.check_keys(node, "agent", all_keys);
  const MapFields fields(node);
  AgentSpec agent;
  const YAML::Node* name = fields.find("name");
  if (!name) {
    reader.error(node, "agent has no 'name' (add name: SomeAgent)");
  } else if (auto text = reader.text(*name, "agent name")) {
    if (text->empty()) reader.error(*name, "agent name is empty (give the agent a name)");
    // `agentctl log-level agenthost` and the logger field of log lines mean the host.
    if (*text == observability::kHostLoggerName)
      reader.error(*name, fmt::format("agent name '{}' is the host's own logger's name (rename the agent)", *text));
    agent.name = *text;
  }
  agent.where = reader.at(name ? *name : node);

  if (const YAML::Node* n = fields.find("kind")) read_agent_kind(*n, reader, agent);
  if (const YAML::Node* n = fields.find("plugin"); n && agent.kind == AgentKind::process) {
    reader.error(*n, fmt::format("process agent '{}' runs its command, not a plugin (remove plugin, or "
                                "remove kind: process)",
                                agent.name));
  } else if (n) {
    agent.plugin_where = reader.at(*n);
    if (auto text = reader.text(*n, "plugin")) {
      if (valid_plugin_name(*text)) agent.plugin = *text;
      else
        reader.error(*n, fmt::format("plugin name '{}' of agent '{}' is not a plain name (use letters, digits, "
                                    "'_', '-' and '.'; the folders are host.plugin_dirs)",
                                    *text, agent.name));
    }
  } else if (agent.kind == AgentKind::plugin) {
    reader.error(node, fmt::format("agent '{}' has no 'plugin' (add plugin: NAME, the file libNAME.so)",
                                   agent.name));
  }
  read_process_keys(fields, reader, agent);
  if (const YAML::Node* n = fields.find("isolation")) read_isolation(*n, reader, agent);
  if (const YAML::Node* n = fields.find("machine")) read_machines(*n, reader, agent);
  if (const YAML::Node* n = fields.find("port")) read_port(*n, reader, agent);
  if (const YAML::Node* n = fields.find("dependencies")) {
    if (auto deps = reader.text_list(*n, "dependencies")) {
      for (auto& dep : *deps) agent.dependencies.push_back({dep.text, dep.where});
    }
  }
  if (const YAML::Node* n = fields.find("restart")) read_restart(*n, reader, agent);
  read_supervision(fields, reader, agent);
  if (const YAML::Node* n = fields.find("expected_start"))
    agent.expected_start = reader.duration(*n, "expected_start");
  if (const YAML::Node* n = fields.find("start_timeout")) agent.start_timeout = reader.duration(*n, "start_timeout");
  if (const YAML::Node* n = fields.find("concurrency"))
    assign(reader.integer(*n, fmt::format("concurrency of agent '{}'", agent.name), 1, 4096), agent.concurrency);
  if (const YAML::Node* n = fields.find("log_level"))
    agent.log_level = read_log_level(*n, reader, "log_level", fmt::format(" for agent '{}'", agent.name));
  if (const YAML::Node* n = fields.find("config")) {
    reader.substitute_tree(*n);
    agent.config = *n;
  }
  if (agent.name.empty()) return std::nullopt;
  return agent;
}

void read_agent_list(const YAML::Node& node, YamlReader& reader, std::vector<AgentSpec>& out,
                     std::size_t count) {
  if (node.IsNull()) return;  // "agents:" with nothing yet
  if (!node.IsSequence()) {
    reader.error(node, fmt::format("agents must be a list, got {} (write one '- name: ...' entry per agent)",
                                   describe_type(node)));
    return;
  }
  // Room first: an AgentSpec cannot be moved without a possible throw (YAML::Node has no
  // move constructor), so a growing vector copies every spec it holds, each time it grows.
  out.reserve(out.size() + std::min(count, node.size()));
  for (const auto& item : node) {
    if (count-- == 0) break;
    if (auto agent = read_agent(item, reader)) out.push_back(std::move(*agent));
  }
}

}  // namespace agenthost::config
