#include "reload/config_diff.hpp"

#include <algorithm>
#include <set>
#include <tuple>
#include <unordered_map>

#include <yaml-cpp/yaml.h>

namespace agenthost::reload {
namespace {

using config::AgentSpec;
using config::HostSpec;
using config::ListenAddress;

// Addresses as written, without their positions.
std::tuple<std::string, int> key_of(const ListenAddress& a) { return {a.host, a.port}; }
std::vector<std::tuple<std::string, int>> keys_of(const std::vector<ListenAddress>& list) {
  std::vector<std::tuple<std::string, int>> keys;
  for (const auto& a : list) keys.push_back(key_of(a));
  return keys;
}
std::optional<std::tuple<std::string, int>> key_of(const std::optional<ListenAddress>& a) {
  if (!a) return std::nullopt;
  return key_of(*a);
}

// The order of dependencies means nothing; a name written twice neither.
std::set<std::string> dependency_names(const AgentSpec& spec) {
  std::set<std::string> names;
  for (const auto& d : spec.dependencies) names.insert(d.name);
  return names;
}

// The agent's `config:` by content: YAML::Node's == compares identity, and the order of a
// map's keys means nothing (an emitted text would differ for `{a: 1, b: 2}` and `{b: 2, a: 1}`).
std::string key_text(const YAML::Node& key) {
  if (key.IsScalar()) return key.Scalar();
  YAML::Emitter out;
  out << key;
  return out.c_str();
}

bool same_yaml(const YAML::Node& a, const YAML::Node& b) {
  const bool a_empty = !a || a.IsNull(), b_empty = !b || b.IsNull();
  if (a_empty || b_empty) return a_empty == b_empty;
  if (a.Type() != b.Type()) return false;
  switch (a.Type()) {
    case YAML::NodeType::Scalar:
      return a.Scalar() == b.Scalar();
    case YAML::NodeType::Sequence:
      if (a.size() != b.size()) return false;
      for (std::size_t i = 0; i < a.size(); ++i)
        if (!same_yaml(a[i], b[i])) return false;
      return true;
    case YAML::NodeType::Map: {
      if (a.size() != b.size()) return false;
      std::unordered_map<std::string, YAML::Node> b_values;
      for (const auto& entry : b) b_values.emplace(key_text(entry.first), entry.second);
      for (const auto& entry : a) {
        auto it = b_values.find(key_text(entry.first));
        if (it == b_values.end() || !same_yaml(entry.second, it->second)) return false;
      }
      return true;
    }
    default:
      return true;
  }
}

bool same_process(const config::ProcessSpec& a, const config::ProcessSpec& b) {
  return std::tie(a.command, a.args, a.env, a.workdir, a.endpoint, a.ready_by_health, a.ready_command,
                  a.stop_timeout) == std::tie(b.command, b.args, b.env, b.workdir, b.endpoint, b.ready_by_health,
                                              b.ready_command, b.stop_timeout);
}

bool same_registry(const config::RegistrySpec& a, const config::RegistrySpec& b) {
  return a.backend == b.backend && key_of(a.listen) == key_of(b.listen) && keys_of(a.peers) == keys_of(b.peers) &&
         a.announce_interval == b.announce_interval && a.ttl == b.ttl &&
         keys_of(a.etcd_endpoints) == keys_of(b.etcd_endpoints) && a.etcd_prefix == b.etcd_prefix;
}

bool same_error_bus(const config::ErrorBusSpec& a, const config::ErrorBusSpec& b) {
  return a.keep == b.keep && key_of(a.listen) == key_of(b.listen) && key_of(a.forward_to) == key_of(b.forward_to) &&
         a.buffer == b.buffer;
}

// The keys themselves, not only the paths: a key file replaced in place is a change. The
// admitted keys are not compared: they are read again at every handshake.
bool same_curve(const std::optional<config::CurveSpec>& a, const std::optional<config::CurveSpec>& b) {
  if (!a || !b) return !a && !b;
  return std::tie(a->server.secret_key, a->client.secret_key, a->authorized_keys) ==
         std::tie(b->server.secret_key, b->client.secret_key, b->authorized_keys);
}

std::vector<std::string> changed_host_keys(const HostSpec& a, const HostSpec& b) {
  std::vector<std::string> keys;
  auto check = [&](bool same, const char* key) {
    if (!same) keys.emplace_back(key);
  };
  check(a.name == b.name, "host.name");
  check(a.plugin_dirs == b.plugin_dirs, "host.plugin_dirs");
  check(a.agents_dir == b.agents_dir, "host.agents_dir");
  check(key_of(a.admin) == key_of(b.admin), "host.admin");
  auto account = [](const std::optional<HostSpec::Account>& x) { return x ? x->id : -1; };
  check(a.control_socket == b.control_socket && a.control_mode == b.control_mode &&
            account(a.control_owner) == account(b.control_owner) && account(a.control_group) == account(b.control_group),
        "host.control");
  check(std::tie(a.startup_parallelism, a.startup_timeout, a.startup_strategy, a.stop_timeout) ==
            std::tie(b.startup_parallelism, b.startup_timeout, b.startup_strategy, b.stop_timeout),
        "host.startup");
  check(std::tie(a.health_interval, a.health_timeout) == std::tie(b.health_interval, b.health_timeout),
        "host.health");
  check(a.bind == b.bind, "host.bind");
  check(a.advertise == b.advertise, "host.advertise");
  check(same_registry(a.registry, b.registry), "host.registry");
  check(std::tie(a.client.retry_backoff, a.client.retry_backoff_max, a.client.breaker_failures,
                 a.client.breaker_open_for, a.client.connect_timeout) ==
                 std::tie(b.client.retry_backoff, b.client.retry_backoff_max, b.client.breaker_failures,
                          b.client.breaker_open_for, b.client.connect_timeout),
        "host.client");
  check(a.log.level == b.log.level && a.log.format == b.log.format, "host.log");
  check(same_error_bus(a.error_bus, b.error_bus), "host.error_bus");
  check(a.workers == b.workers, "host.workers");
  check(a.state_dir == b.state_dir, "host.state_dir");
  check(same_curve(a.curve, b.curve), "host.curve");
  return keys;
}

}  // namespace

std::vector<std::string> changed_agent_keys(const AgentSpec& a, const AgentSpec& b) {
  std::vector<std::string> keys;
  auto check = [&](bool same, const char* key) {
    if (!same) keys.emplace_back(key);
  };
  check(a.kind == b.kind, "kind");
  check(a.plugin == b.plugin, "plugin");
  check(a.isolation == b.isolation, "isolation");
  check(same_process(a.process, b.process), "process");  // command, args, env, ... as one
  check(a.machines == b.machines, "machine");
  check(a.port == b.port && a.port_auto == b.port_auto, "port");
  check(dependency_names(a) == dependency_names(b), "dependencies");
  check(a.restart == b.restart, "restart");
  check(std::tie(a.restart_backoff.initial, a.restart_backoff.max, a.restart_backoff.jitter) ==
            std::tie(b.restart_backoff.initial, b.restart_backoff.max, b.restart_backoff.jitter),
        "restart_backoff");
  check(a.start_limit.burst == b.start_limit.burst && a.start_limit.interval == b.start_limit.interval,
        "start_limit");
  check(a.liveness.failure_threshold == b.liveness.failure_threshold, "liveness");
  check(a.expected_start == b.expected_start, "expected_start");
  check(a.start_timeout == b.start_timeout, "start_timeout");
  check(a.concurrency == b.concurrency, "concurrency");
  check(a.log_level == b.log_level, "log_level");
  check(same_yaml(a.config, b.config), "config");
  return keys;
}

ConfigDiff diff_configs(const config::ClusterConfig& before, const config::ClusterConfig& after) {
  ConfigDiff diff;
  std::unordered_map<std::string, const AgentSpec*> old_agents, new_agents;
  for (const auto& a : before.agents) old_agents.emplace(a.name, &a);
  for (const auto& a : after.agents) new_agents.emplace(a.name, &a);
  for (const auto& a : after.agents) {
    auto it = old_agents.find(a.name);
    if (it == old_agents.end()) {
      diff.added.push_back(a.name);
    } else if (auto keys = changed_agent_keys(*it->second, a); !keys.empty()) {
      diff.changed.push_back({a.name, std::move(keys)});
    }
  }
  for (const auto& a : before.agents)
    if (!new_agents.contains(a.name)) diff.removed.push_back(a.name);
  diff.host_keys_changed = changed_host_keys(before.host, after.host);
  return diff;
}

}  // namespace agenthost::reload
