#include "runtime/agent_host.hpp"

#include <unistd.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "agenthost/version.hpp"
#include "runtime/agent_host_record.hpp"

namespace agenthost::runtime {

AgentHost::AgentHost(config::ClusterConfig config, HostOptions options)
    : config_(std::move(config)),
      options_(std::move(options)),
      machine_(options_.machine.empty() ? config_.host.name : options_.machine),
      graph_(graph::DependencyGraph::build(config_.agents)),
      plugin_index_(config_.host.plugin_dirs),
      // One thread more than starts in flight: the plugin prefetch task.
      pool_("start", static_cast<std::size_t>(std::max(1, config_.host.startup_parallelism)) + 1),
      health_(config_.host.health_interval, config_.host.health_timeout,
              [this](std::size_t node, const Health& h) { report_health(node, h); }),
      records_(config_.agents.size()) {
  for (std::size_t i = 0; i < records_.size(); ++i) {
    auto& r = records_[i];
    r.spec = &config_.agents[i];
    r.selected = machine_ == "all" || r.spec->machine == machine_;
    if (!r.selected) continue;
    // Agent loggers are never registered with spdlog's registry (a reloaded plugin would
    // collide with its old name) and write to the host's sinks only.
    r.logger = std::make_shared<spdlog::logger>(r.spec->name, options_.log_sinks.begin(),
                                                options_.log_sinks.end());
    r.logger->set_level(spdlog::default_logger()->level());
  }
}

AgentHost::~AgentHost() {
  health_.stop();
  pool_.shutdown(std::chrono::milliseconds(0));
}

double AgentHost::now_ms() const {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - options_.t0)
      .count();
}

void AgentHost::wake() {
  // Through mu_: start_all() checks the stop flag under mu_ and then sleeps; a notify that
  // fell between the two, without the lock, would be lost until the next start settles.
  { std::lock_guard lock(mu_); }
  cv_.notify_all();
}

std::vector<bool> AgentHost::selected_nodes() const {
  std::vector<bool> out(records_.size());
  for (std::size_t i = 0; i < records_.size(); ++i) out[i] = records_[i].selected;
  return out;
}

void AgentHost::transition_locked(Record& r, AgentState to, std::string reason) {
  const AgentState from = r.state;
  r.state = to;
  r.reason = std::move(reason);
  r.since_ms = now_ms();
  const auto level = (to == AgentState::failed || to == AgentState::blocked) ? spdlog::level::err
                     : (to == AgentState::ready || to == AgentState::stopped)
                         ? spdlog::level::info
                         : spdlog::level::debug;
  if (r.reason.empty())
    spdlog::log(level, "agent {}: {} -> {}", r.spec->name, to_string(from), to_string(to));
  else
    spdlog::log(level, "agent {}: {} -> {}: {}", r.spec->name, to_string(from), to_string(to),
                r.reason);
}

void AgentHost::report_health(std::size_t node, const Health& health) {
  std::lock_guard lock(mu_);
  auto& r = records_[node];
  if (r.state != AgentState::ready) return;  // a late answer after stop began
  // Log changes only; the first answer only when it is not "healthy".
  const bool changed = r.health_at_ms ? r.health.status != health.status
                                      : health.status != HealthStatus::healthy;
  if (changed) {
    const auto level =
        health.status == HealthStatus::healthy ? spdlog::level::info : spdlog::level::warn;
    spdlog::log(level, "agent {}: health {}{}{}", r.spec->name, to_string(health.status),
                health.detail.empty() ? "" : ": ", health.detail);
  }
  r.health = health;
  r.health_at_ms = now_ms();
}

HostSnapshot AgentHost::snapshot() const {
  HostSnapshot s;
  s.host_name = machine_;
  s.version = AGENTHOST_VERSION_STRING;
  s.pid = ::getpid();
  s.uptime_ms = now_ms();
  std::lock_guard lock(mu_);
  s.startup_finished = startup_finished_;
  s.startup_completed_at = startup_completed_;
  s.agents.reserve(records_.size());
  for (std::size_t i = 0; i < records_.size(); ++i) {
    const auto& r = records_[i];
    if (!r.selected) continue;
    AgentSnapshot a;
    a.name = r.spec->name;
    a.machine = r.spec->machine;
    a.plugin = r.spec->plugin;
    a.plugin_file = r.plugin_file;
    a.state = r.state;
    a.reason = r.reason;
    a.blocked_by = r.blocked_by;
    a.state_since = r.since_ms;
    a.health = r.health.status;
    a.health_detail = r.health.detail;
    a.health_checked_at = r.health_at_ms;
    a.restarts = r.restarts;
    for (const auto& d : r.spec->dependencies) a.dependencies.push_back(d.name);
    if (r.spec->expected_start) a.expected_start_ms = double(r.spec->expected_start->count());
    a.timings = r.timings;
    s.agents.push_back(std::move(a));
  }
  return s;
}

}  // namespace agenthost::runtime
