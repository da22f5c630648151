#include "isolation/child_config.hpp"

#include <filesystem>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

namespace agenthost::isolation {
namespace {

std::string millis(config::Duration d) { return fmt::format("{}ms", d.count()); }

// A copy of `node` in which no scalar can be read as a ${...} reference again.
YAML::Node escaped(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar: {
      std::string text;
      for (char c : node.Scalar()) {
        text += c;
        if (c == '$') text += '$';
      }
      YAML::Node out(text);
      out.SetTag(node.Tag());
      return out;
    }
    case YAML::NodeType::Sequence: {
      YAML::Node out(YAML::NodeType::Sequence);
      for (const auto& item : node) out.push_back(escaped(item));
      return out;
    }
    case YAML::NodeType::Map: {
      YAML::Node out(YAML::NodeType::Map);
      for (const auto& entry : node) out[escaped(entry.first)] = escaped(entry.second);
      return out;
    }
    default:
      return YAML::Node(node.Type());
  }
}

}  // namespace

std::string child_config_yaml(const config::HostSpec& host, const std::string& machine,
                              const config::AgentSpec& agent, observability::LogLevel host_level) {
  YAML::Node root;
  YAML::Node h = root["host"];
  h["name"] = machine;
  for (const auto& dir : host.plugin_dirs) {
    std::error_code error;
    auto absolute = std::filesystem::absolute(dir, error);
    h["plugin_dirs"].push_back(error ? dir : absolute.string());
  }
  h["startup"]["timeout"] = millis(host.startup_timeout);
  h["startup"]["stop_timeout"] = millis(host.stop_timeout);
  h["health"]["interval"] = millis(host.health_interval);
  h["health"]["timeout"] = millis(host.health_timeout);
  h["client"]["retry_backoff"] = millis(host.client.retry_backoff);
  h["client"]["retry_backoff_max"] = millis(host.client.retry_backoff_max);
  h["client"]["breaker_failures"] = host.client.breaker_failures;
  h["client"]["breaker_open_for"] = millis(host.client.breaker_open_for);
  h["client"]["connect_timeout"] = millis(host.client.connect_timeout);
  if (host.workers > 0) h["workers"] = host.workers;
  h["log"]["level"] = std::string(observability::log_level_name(host_level));

  YAML::Node a;
  a["name"] = agent.name;
  a["plugin"] = agent.plugin;
  a["restart"] = "never";
  a["concurrency"] = agent.concurrency;
  if (agent.start_timeout) a["start_timeout"] = millis(*agent.start_timeout);
  if (agent.log_level) a["log_level"] = std::string(observability::log_level_name(*agent.log_level));
  if (agent.config && !agent.config.IsNull()) a["config"] = escaped(agent.config);
  root["agents"].push_back(a);

  YAML::Emitter out;
  out << root;
  return fmt::format("# Written by agenthost for its isolated agent '{}': the child agenthost runs it.\n{}\n",
                     agent.name, out.c_str());
}

}  // namespace agenthost::isolation
