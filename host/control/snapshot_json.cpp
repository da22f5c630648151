#include "control/snapshot_json.hpp"

#include <stdexcept>
#include <string>

#include <fmt/format.h>

namespace agenthost::control {
namespace {

using nlohmann::json;
using runtime::AgentSnapshot;
using runtime::HostMillis;
using runtime::HostSnapshot;

json optional_ms(const std::optional<HostMillis>& value) {
  return value ? json(*value) : json(nullptr);
}

// Reads `key` of `object` into `out` when present and not null; a wrong type is reported with
// the field's name, since nlohmann's own message ("type must be number") does not say which.
template <typename T>
void read_field(const json& object, const char* key, T& out, std::string_view where) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return;
  try {
    out = it->template get<T>();
  } catch (const json::exception& e) {
    throw std::invalid_argument(fmt::format("{}: field '{}': {}", where, key, e.what()));
  }
}

template <typename T>
void read_field(const json& object, const char* key, std::optional<T>& out,
                std::string_view where) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return;
  T value{};
  read_field(object, key, value, where);
  out = value;
}

void require_object(const json& value, std::string_view what) {
  if (!value.is_object())
    throw std::invalid_argument(fmt::format("{}: expected a JSON object, got {}", what,
                                            value.type_name()));
}

}  // namespace

std::optional<HealthStatus> health_status_from_string(std::string_view name) noexcept {
  for (auto status : {HealthStatus::healthy, HealthStatus::degraded, HealthStatus::unhealthy})
    if (to_string(status) == name) return status;
  return std::nullopt;
}

json to_json(const AgentSnapshot& agent) {
  return {
      {"name", agent.name},
      {"machine", agent.machine},
      {"plugin", agent.plugin},
      {"plugin_file", agent.plugin_file},
      {"state", std::string(runtime::to_string(agent.state))},
      {"reason", agent.reason},
      {"blocked_by", agent.blocked_by},
      {"state_since_ms", agent.state_since},
      {"health", std::string(to_string(agent.health))},
      {"health_detail", agent.health_detail},
      {"health_checked_ms", optional_ms(agent.health_checked_at)},
      {"restarts", agent.restarts},
      {"dependencies", agent.dependencies},
      {"expected_start_ms", optional_ms(agent.expected_start_ms)},
      {"timings",
       {
           {"load_begin_ms", optional_ms(agent.timings.load_begin)},
           {"configure_begin_ms", optional_ms(agent.timings.configure_begin)},
           {"start_begin_ms", optional_ms(agent.timings.start_begin)},
           {"ready_ms", optional_ms(agent.timings.ready_at)},
       }},
      {"log_level", agent.log_level},
      {"isolation", agent.isolation},
  };
}

json host_fields_json(const HostSnapshot& snapshot) {
  return {
      {"host", snapshot.host_name},
      {"version", snapshot.version},
      {"pid", snapshot.pid},
      {"uptime_ms", snapshot.uptime_ms},
      {"startup_finished", snapshot.startup_finished},
      {"startup_completed_ms", optional_ms(snapshot.startup_completed_at)},
      {"log_level", snapshot.log_level},
  };
}

json to_json(const HostSnapshot& snapshot) {
  json out = host_fields_json(snapshot);
  json agents = json::array();
  for (const auto& agent : snapshot.agents) agents.push_back(to_json(agent));
  out["agents"] = std::move(agents);
  return out;
}

AgentSnapshot agent_from_json(const json& value) {
  require_object(value, "agent");
  AgentSnapshot agent;
  read_field(value, "name", agent.name, "agent");
  const std::string where = fmt::format("agent '{}'", agent.name);

  read_field(value, "machine", agent.machine, where);
  read_field(value, "plugin", agent.plugin, where);
  read_field(value, "plugin_file", agent.plugin_file, where);
  std::string state;
  read_field(value, "state", state, where);
  if (!state.empty()) {
    auto parsed = runtime::agent_state_from_string(state);
    if (!parsed) throw std::invalid_argument(fmt::format("{}: unknown state '{}'", where, state));
    agent.state = *parsed;
  }
  read_field(value, "reason", agent.reason, where);
  read_field(value, "blocked_by", agent.blocked_by, where);
  read_field(value, "state_since_ms", agent.state_since, where);
  std::string health;
  read_field(value, "health", health, where);
  if (!health.empty()) {
    auto parsed = health_status_from_string(health);
    if (!parsed)
      throw std::invalid_argument(fmt::format("{}: unknown health '{}'", where, health));
    agent.health = *parsed;
  }
  read_field(value, "health_detail", agent.health_detail, where);
  read_field(value, "health_checked_ms", agent.health_checked_at, where);
  read_field(value, "restarts", agent.restarts, where);
  read_field(value, "dependencies", agent.dependencies, where);
  read_field(value, "expected_start_ms", agent.expected_start_ms, where);
  if (auto it = value.find("timings"); it != value.end() && !it->is_null()) {
    require_object(*it, where + ": timings");
    read_field(*it, "load_begin_ms", agent.timings.load_begin, where);
    read_field(*it, "configure_begin_ms", agent.timings.configure_begin, where);
    read_field(*it, "start_begin_ms", agent.timings.start_begin, where);
    read_field(*it, "ready_ms", agent.timings.ready_at, where);
  }
  read_field(value, "log_level", agent.log_level, where);
  read_field(value, "isolation", agent.isolation, where);
  return agent;
}

HostSnapshot snapshot_from_json(const json& value) {
  require_object(value, "snapshot");
  HostSnapshot snapshot;
  read_field(value, "host", snapshot.host_name, "snapshot");
  read_field(value, "version", snapshot.version, "snapshot");
  read_field(value, "pid", snapshot.pid, "snapshot");
  read_field(value, "uptime_ms", snapshot.uptime_ms, "snapshot");
  read_field(value, "startup_finished", snapshot.startup_finished, "snapshot");
  read_field(value, "startup_completed_ms", snapshot.startup_completed_at, "snapshot");
  read_field(value, "log_level", snapshot.log_level, "snapshot");
  if (auto it = value.find("agents"); it != value.end() && !it->is_null()) {
    if (!it->is_array())
      throw std::invalid_argument("snapshot: field 'agents': expected an array");
    snapshot.agents.reserve(it->size());
    for (const auto& agent : *it) snapshot.agents.push_back(agent_from_json(agent));
  }
  return snapshot;
}

}  // namespace agenthost::control
