// The keys of `kind: process` agents: command, args, env, workdir, endpoint, ready,
// stop_timeout (README, "Process agents").

#include <fmt/format.h>

#include "config/config_sections.hpp"
#include "config/suggest.hpp"

namespace agenthost::config {

namespace {

const std::vector<std::string> kKindValues = {"plugin", "process"};
const std::vector<std::string> kReadyKeys = {"health", "command"};

std::optional<bool> read_bool(const YAML::Node& node, YamlReader& reader, std::string_view what) {
  auto text = reader.text(node, what);
  if (!text) return std::nullopt;
  if (*text == "true") return true;
  if (*text == "false") return false;
  reader.error(node, fmt::format("{} must be true or false, got '{}'", what, *text));
  return std::nullopt;
}

void read_env(const YAML::Node& node, YamlReader& reader, AgentSpec& agent) {
  if (!reader.expect_map(node, fmt::format("env of agent '{}'", agent.name))) return;
  for (const auto& entry : node) {
    const YAML::Node key = entry.first;
    const YAML::Node value = entry.second;
    auto name = reader.text(key, "an env variable name");
    if (!name) continue;
    if (name->empty() || name->find('=') != std::string::npos) {
      reader.error(key, fmt::format("env variable name '{}' of agent '{}' is not usable (no '=', not empty)",
                                    *name, agent.name));
      continue;
    }
    if (auto text = reader.text(value, fmt::format("env {} of agent '{}'", *name, agent.name)))
      agent.process.env.emplace_back(*name, *text);
  }
}

void read_endpoint(const YAML::Node& node, YamlReader& reader, AgentSpec& agent) {
  agent.process.endpoint_where = reader.at(node);
  auto text = reader.text(node, fmt::format("endpoint of agent '{}'", agent.name));
  if (!text) return;
  if (!text->starts_with("tcp://") && !text->starts_with("ipc://")) {
    reader.error(node, fmt::format("endpoint '{}' of agent '{}' is not a ZeroMQ endpoint (write tcp://HOST:PORT "
                                   "or ipc://PATH, where the program listens)",
                                   *text, agent.name));
    return;
  }
  agent.process.endpoint = *text;
}

void read_ready(const YAML::Node& node, YamlReader& reader, AgentSpec& agent) {
  if (!reader.expect_map(node, fmt::format("ready of agent '{}'", agent.name))) return;
  reader.check_keys(node, "ready", kReadyKeys);
  const YAML::Node health = node["health"];
  const YAML::Node command = node["command"];
  if (health && command) {
    reader.error(node, fmt::format("ready of agent '{}' has both health and command (pick one)", agent.name));
    return;
  }
  if (health) {
    auto on = read_bool(health, reader, "ready.health");
    if (on && *on && agent.process.endpoint.empty())
      reader.error(health, fmt::format("ready.health of agent '{}' needs an endpoint to ask (add endpoint: "
                                       "tcp://HOST:PORT, where the program answers agenthost.health)",
                                       agent.name));
    if (on) agent.process.ready_by_health = *on;
  } else if (command) {
    auto argv = reader.text_list(command, "ready.command");
    if (argv && argv->empty())
      reader.error(command, fmt::format("ready.command of agent '{}' is empty (give the program and its "
                                        "arguments)",
                                        agent.name));
    else if (argv)
      for (auto& arg : *argv) agent.process.ready_command.push_back(std::move(arg.text));
  }
}

}  // namespace

const std::vector<std::string>& process_agent_keys() {
  static const std::vector<std::string> keys = {"command", "args", "env", "workdir", "endpoint", "ready",
                                                "stop_timeout"};
  return keys;
}

void read_agent_kind(const YAML::Node& node, YamlReader& reader, AgentSpec& agent) {
  auto text = reader.text(node, "kind");
  if (!text) return;
  if (*text == "plugin") agent.kind = AgentKind::plugin;
  else if (*text == "process") agent.kind = AgentKind::process;
  else {
    const std::string hint = did_you_mean(*text, kKindValues);
    reader.error(node, fmt::format("unknown kind '{}' for agent '{}' ({})", *text, agent.name,
                                   hint.empty() ? "use plugin or process" : hint));
  }
}

void read_process_keys(const MapFields& fields, YamlReader& reader, AgentSpec& agent) {
  if (agent.kind != AgentKind::process) {
    for (const auto& key : process_agent_keys())
      if (const YAML::Node* n = fields.find(key))
        reader.error(*n, fmt::format("'{}' is for process agents (add kind: process to agent '{}', or remove it)",
                                    key, agent.name));
    return;
  }
  if (const YAML::Node* n = fields.find("command")) {
    auto text = reader.text(*n, fmt::format("command of agent '{}'", agent.name));
    if (text && text->empty()) reader.error(*n, fmt::format("command of agent '{}' is empty", agent.name));
    else if (text) agent.process.command = *text;
  } else {
    reader.error(fields.map(), fmt::format("process agent '{}' has no 'command' (add command: PROGRAM, e.g. python3)",
                                   agent.name));
  }
  if (const YAML::Node* n = fields.find("args")) {
    if (auto args = reader.text_list(*n, fmt::format("args of agent '{}'", agent.name)))
      for (auto& arg : *args) agent.process.args.push_back(std::move(arg.text));
  }
  if (const YAML::Node* n = fields.find("env")) read_env(*n, reader, agent);
  if (const YAML::Node* n = fields.find("workdir")) {
    if (auto text = reader.text(*n, fmt::format("workdir of agent '{}'", agent.name))) agent.process.workdir = *text;
  }
  if (const YAML::Node* n = fields.find("endpoint")) read_endpoint(*n, reader, agent);
  if (const YAML::Node* n = fields.find("ready")) read_ready(*n, reader, agent);
  if (const YAML::Node* n = fields.find("stop_timeout"))
    assign(reader.positive_duration(*n, fmt::format("stop_timeout of agent '{}'", agent.name)),
           agent.process.stop_timeout);
}

}  // namespace agenthost::config
