#include "observability/host_collector.hpp"

#include <array>
#include <map>
#include <string>

namespace agenthost::observability {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

constexpr std::array kStates = {
    runtime::AgentState::pending,  runtime::AgentState::loaded,   runtime::AgentState::configured,
    runtime::AgentState::starting, runtime::AgentState::ready,    runtime::AgentState::stopping,
    runtime::AgentState::stopped,  runtime::AgentState::failed,   runtime::AgentState::blocked};
constexpr std::array kHealth = {HealthStatus::healthy, HealthStatus::degraded,
                                HealthStatus::unhealthy};

MetricFamily family(std::string name, std::string help, MetricType type) {
  return MetricFamily{std::move(name), std::move(help), type, {}};
}

ClientMetric sample(std::vector<ClientMetric::Label> labels, double value, MetricType type) {
  ClientMetric m;
  m.label = std::move(labels);
  if (type == MetricType::Counter) m.counter.value = value;
  else m.gauge.value = value;
  return m;
}

void add(MetricFamily& f, std::vector<ClientMetric::Label> labels, double value) {
  f.metric.push_back(sample(std::move(labels), value, f.type));
}

void agent_families(const runtime::HostSnapshot& s, std::vector<MetricFamily>& out) {
  auto state = family("agent_state", "1 for the agent's current state (DESIGN.md section 6)",
                      MetricType::Gauge);
  auto health = family("agent_health_status",
                       "1 for the agent's last health check result (only ready agents are checked)",
                       MetricType::Gauge);
  auto restarts = family("agent_restarts_total", "Restarts of the agent since the host started",
                         MetricType::Counter);
  auto start = family("agent_start_duration_seconds",
                      "The agent's own start-up: load, configure() and start()", MetricType::Gauge);
  auto by_state = family("agenthost_agents", "Agents of this host in each state", MetricType::Gauge);
  std::map<runtime::AgentState, int> counts;
  for (const auto& a : s.agents) {
    ++counts[a.state];
    for (auto st : kStates)
      add(state, {{"agent", a.name}, {"state", std::string(runtime::to_string(st))}},
          st == a.state ? 1 : 0);
    for (auto h : kHealth)
      add(health, {{"agent", a.name}, {"status", std::string(to_string(h))}}, h == a.health ? 1 : 0);
    add(restarts, {{"agent", a.name}}, a.restarts);
    if (a.timings.load_begin && a.timings.ready_at)
      add(start, {{"agent", a.name}}, (*a.timings.ready_at - *a.timings.load_begin) / 1000.0);
  }
  for (auto st : kStates) add(by_state, {{"state", std::string(runtime::to_string(st))}}, counts[st]);
  for (auto* f : {&state, &health, &restarts, &start, &by_state}) out.push_back(std::move(*f));
}

}  // namespace

std::vector<MetricFamily> HostCollector::Collect() const {
  std::vector<MetricFamily> out;
  const auto s = view_.snapshot();
  agent_families(s, out);

  auto info = family("agenthost_info", "The host's version and machine", MetricType::Gauge);
  add(info, {{"machine", s.host_name}, {"version", s.version}}, 1);
  out.push_back(std::move(info));
  if (s.startup_completed_at) {
    auto startup = family("agenthost_startup_seconds",
                          "From the host's launch to `startup complete`", MetricType::Gauge);
    add(startup, {}, *s.startup_completed_at / 1000.0);
    out.push_back(std::move(startup));
  }
  auto plugins = family("agenthost_plugins_loaded", "Plugin libraries loaded", MetricType::Gauge);
  add(plugins, {}, static_cast<double>(view_.plugins_loaded()));
  out.push_back(std::move(plugins));

  const auto pool = view_.pool();
  auto sockets = family("agenthost_connection_pool_sockets",
                        "Sockets of the shared connection pool, leased or idle", MetricType::Gauge);
  add(sockets, {{"state", "leased"}}, static_cast<double>(pool.leased));
  add(sockets, {{"state", "idle"}}, static_cast<double>(pool.idle));
  auto created = family("agenthost_connection_pool_created_total",
                        "Sockets the connection pool has connected", MetricType::Counter);
  add(created, {}, static_cast<double>(pool.created));
  auto evicted = family("agenthost_connection_pool_evicted_total",
                        "Pooled sockets closed because they broke", MetricType::Counter);
  add(evicted, {}, static_cast<double>(pool.evicted));
  for (auto* f : {&sockets, &created, &evicted}) out.push_back(std::move(*f));

  const auto loop = view_.socket_loop();
  auto received = family("agenthost_socket_loop_received_total",
                         "Requests received on agents' bound sockets", MetricType::Counter);
  add(received, {}, static_cast<double>(loop.received));
  auto malformed = family("agenthost_socket_loop_malformed_total",
                          "Malformed requests, answered 400 or dropped (no envelope)",
                          MetricType::Counter);
  add(malformed, {{"action", "answered"}}, static_cast<double>(loop.malformed_answered));
  add(malformed, {{"action", "dropped"}}, static_cast<double>(loop.malformed_dropped));
  auto dropped = family("agenthost_socket_loop_replies_dropped_total",
                        "Replies that could not be sent (the caller was gone or its queue full)",
                        MetricType::Counter);
  add(dropped, {}, static_cast<double>(loop.replies_dropped));
  for (auto* f : {&received, &malformed, &dropped}) out.push_back(std::move(*f));
  return out;
}

}  // namespace agenthost::observability
