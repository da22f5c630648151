#include "messaging/registry.hpp"

#include <spdlog/spdlog.h>

namespace agenthost::messaging {

void Registry::publish(RegistryEntry entry) {
  entry.machine = machine_;
  std::function<void()> local_change;
  {
    std::lock_guard lock(mu_);
    auto [slot, inserted] = entries_.try_emplace(Key{entry.agent, machine_});
    if (!inserted && slot->second == entry) return;
    slot->second = entry;
    if (inserted) instances_changed_locked(entry.agent, +1);
    local_change = local_change_;
  }
  notify({entry});
  if (local_change) local_change();
}

void Registry::withdraw(const std::string& agent) {
  RegistryEntry gone;
  std::function<void()> local_change;
  {
    std::lock_guard lock(mu_);
    auto it = entries_.find(Key{agent, machine_});
    if (it == entries_.end()) return;
    gone = it->second;
    entries_.erase(it);
    instances_changed_locked(agent, -1);
    local_change = local_change_;
  }
  gone.ready = false;
  notify({gone});
  if (local_change) local_change();
}

std::vector<RegistryEntry> Registry::local_entries() const {
  std::lock_guard lock(mu_);
  std::vector<RegistryEntry> out;
  for (const auto& [key, entry] : entries_) {
    if (entry.machine == machine_) out.push_back(entry);
  }
  return out;
}

void Registry::replace_machine(const std::string& machine, std::vector<RegistryEntry> entries) {
  if (machine == machine_) return;  // our own announcement, echoed by a shared peer list
  std::vector<RegistryEntry> changed;
  {
    std::lock_guard lock(mu_);
    std::map<std::string, RegistryEntry, std::less<>> incoming;
    for (auto& entry : entries) {
      entry.machine = machine;
      incoming[entry.agent] = std::move(entry);
    }
    for (auto it = entries_.begin(); it != entries_.end();) {
      if (it->second.machine == machine && !incoming.contains(it->second.agent)) {
        RegistryEntry gone = it->second;
        gone.ready = false;
        changed.push_back(std::move(gone));
        it = entries_.erase(it);
      } else {
        ++it;
      }
    }
    for (auto& [name, entry] : incoming) {
      auto& slot = entries_[Key{name, machine}];
      if (slot == entry) continue;
      changed.push_back(entry);
      slot = std::move(entry);
    }
    count_replicated_locked();
  }
  notify(changed);
}

void Registry::forget_machine(const std::string& machine) { replace_machine(machine, {}); }

std::optional<RegistryEntry> Registry::find(const std::string& agent) const {
  std::optional<RegistryEntry> found;
  {
    std::lock_guard lock(mu_);
    for (auto it = entries_.lower_bound(Key{agent, ""}); it != entries_.end() && it->first.first == agent; ++it) {
      const auto& entry = it->second;
      if (entry.machine == machine_) return entry;
      if (!found || (entry.ready && !found->ready)) found = entry;
    }
  }
  if (!found && fallback_) found = fallback_(agent);
  return found;
}

std::vector<RegistryEntry> Registry::instances(const std::string& agent) const {
  std::vector<RegistryEntry> out;
  {
    std::lock_guard lock(mu_);
    for (auto it = entries_.lower_bound(Key{agent, ""}); it != entries_.end() && it->first.first == agent; ++it)
      out.push_back(it->second);
  }
  if (out.empty() && fallback_)
    if (auto entry = fallback_(agent)) out.push_back(std::move(*entry));
  return out;
}

std::vector<RegistryEntry> Registry::entries() const {
  std::lock_guard lock(mu_);
  std::vector<RegistryEntry> out;
  out.reserve(entries_.size());
  for (const auto& [key, entry] : entries_) out.push_back(entry);
  return out;
}

int Registry::subscribe(Listener listener) {
  std::lock_guard lock(mu_);
  listeners_[next_listener_] = std::move(listener);
  return next_listener_++;
}

void Registry::unsubscribe(int id) {
  std::lock_guard lock(mu_);
  listeners_.erase(id);
}

void Registry::on_local_change(std::function<void()> notify) {
  std::lock_guard lock(mu_);
  local_change_ = std::move(notify);
}

void Registry::count_replicated_locked() {
  replicated_agents_ = 0;
  const std::string* previous = nullptr;
  bool counted = false;  // the agent `previous` names is counted already
  for (const auto& [key, entry] : entries_) {
    if (previous && *previous == key.first) {
      if (!counted) ++replicated_agents_;
      counted = true;
    } else {
      counted = false;
    }
    previous = &key.first;
  }
  has_replicas_.store(replicated_agents_ > 0, std::memory_order_relaxed);
}

void Registry::instances_changed_locked(const std::string& agent, int delta) {
  // Only this agent's count changed: a look at its own entries, not a walk over all of them
  // (a thousand agents publishing at start-up made that walk quadratic).
  int now = 0;
  for (auto it = entries_.lower_bound(Key{agent, ""}); it != entries_.end() && it->first.first == agent; ++it) ++now;
  const int before = now - delta;
  if (before < 2 && now >= 2) ++replicated_agents_;
  if (before >= 2 && now < 2) --replicated_agents_;
  has_replicas_.store(replicated_agents_ > 0, std::memory_order_relaxed);
}

void Registry::notify(const std::vector<RegistryEntry>& changed) {
  if (changed.empty()) return;
  std::vector<Listener> listeners;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, listener] : listeners_) listeners.push_back(listener);
  }
  for (const auto& entry : changed) {
    // When this host learned of a change (its own or another machine's): how an operator, or
    // bench/cluster, sees a readiness change travel through the cluster.
    spdlog::debug("registry: agent {} on machine {} now {}", entry.agent, entry.machine,
                  entry.ready ? "ready" : "not ready");
    for (const auto& listener : listeners) listener(entry);
  }
}

}  // namespace agenthost::messaging
