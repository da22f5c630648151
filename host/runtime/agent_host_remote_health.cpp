// Dependencies on agents of other machines once the dependents run: start-up waits for them
// (agent_host_startup.cpp); afterwards an agent of another machine with no ready instance
// left — its host died or stopped, it failed, it was removed — makes every agent here that
// needs it `degraded`, with the reason, until an instance is ready again. Only what the host
// shows changes (status, /health, agenthost.health, the log): the dependents keep running,
// and liveness acts on their own health answers only.
//
// Threads: the registry listener runs on the registry backend's thread (other machines'
// entries only, which are never published with mu_ held) and takes mu_.

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "runtime/agent_host.hpp"
#include "runtime/agent_host_record.hpp"

namespace agenthost::runtime {
namespace {

// Why no instance of `entry.agent` can be called, or nullopt when one can.
std::optional<std::string> unavailable_because(const std::vector<messaging::RegistryEntry>& instances,
                                               const messaging::RegistryEntry& changed) {
  if (std::any_of(instances.begin(), instances.end(), [](const auto& e) { return e.ready; })) return std::nullopt;
  if (instances.empty())
    return fmt::format("machine '{}' no longer has it in the registry (its host stopped or died, or it was removed "
                       "there)",
                       changed.machine);
  std::vector<std::string> machines;
  for (const auto& e : instances) machines.push_back(e.machine);
  return fmt::format("not ready on machine '{}'", fmt::join(machines, "', '"));
}

}  // namespace

void AgentHost::watch_remote_availability() {
  if (!config::learns_other_hosts(config_.host.registry)) return;
  availability_listener_ = messaging_->registry().subscribe(
      [this](const messaging::RegistryEntry& entry) { remote_entry_changed(entry); });
}

void AgentHost::remote_entry_changed(const messaging::RegistryEntry& entry) {
  auto& registry = messaging_->registry();
  if (entry.machine == registry.machine()) return;  // this host's own: published with mu_ held
  const auto why = unavailable_because(registry.instances(entry.agent), entry);

  std::lock_guard lock(mu_);
  const auto id = graph_->find(entry.agent);
  if (!id || records_[*id].selected) return;
  auto it = remote_unavailable_.find(*id);
  if (!why && it == remote_unavailable_.end()) return;
  if (why && it != remote_unavailable_.end() && it->second == *why) return;
  if (why) remote_unavailable_[*id] = *why;
  else remote_unavailable_.erase(*id);

  for (auto node : graph_->dependents(*id)) {
    auto& r = records_[node];
    if (!r.selected || r.removed || r.state != AgentState::ready) continue;
    if (r.health.status != HealthStatus::healthy && !r.health_degraded_by_remote) continue;  // its own verdict stands
    // A record degraded by us was healthy by its own account: start again from that.
    const Health own = r.health_degraded_by_remote
                           ? Health::healthy(fmt::format("'{}' is available again", entry.agent))
                           : r.health;
    const Health shown = with_remote_dependencies_locked(node, own);
    if (shown.status == r.health.status && shown.detail == r.health.detail) continue;
    const auto level = shown.status == HealthStatus::healthy ? spdlog::level::info : spdlog::level::warn;
    spdlog::log(level, "agent {}: health {}: {}", r.spec->name, to_string(shown.status), shown.detail);
    r.health = shown;
    r.health_degraded_by_remote = shown.status != own.status;
    publish_status_locked(r);
  }
}

Health AgentHost::with_remote_dependencies_locked(std::size_t node, Health health) const {
  if (health.status != HealthStatus::healthy || remote_unavailable_.empty()) return health;
  std::vector<std::string> missing;
  for (auto dep : graph_->dependencies(node)) {
    if (auto it = remote_unavailable_.find(dep); it != remote_unavailable_.end())
      missing.push_back(fmt::format("needs '{}', which is unavailable: {}", graph_->name(dep), it->second));
  }
  if (missing.empty()) return health;
  return Health::degraded(fmt::format("{}", fmt::join(missing, "; ")));
}

}  // namespace agenthost::runtime
