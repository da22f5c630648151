#pragma once
// The registry: agent name -> where each instance of it answers and whether it is ready. An
// agent has one instance per machine that runs it (replicas: `machine: [pc2, pc3]`). The host
// publishes its own agents here; a backend (registry_backend.hpp: none, static peers, etcd)
// adds the agents of other hosts. Clients resolve names here; the start-up waits here for
// dependencies that run on other machines.
//
// Threads: thread-safe. Listeners run on the thread that made the change, without the lock
// held, and must be short.

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace agenthost::messaging {

struct RegistryEntry {
  std::string agent;
  std::string machine;
  std::string endpoint;  // "tcp://10.0.0.2:7100"; "" when the agent has no network endpoint
  bool ready = false;

  bool operator==(const RegistryEntry&) const = default;
};

class Registry {
 public:
  explicit Registry(std::string machine) : machine_(std::move(machine)) {}

  const std::string& machine() const noexcept { return machine_; }

  // This host's agents.
  void publish(RegistryEntry entry);
  void withdraw(const std::string& agent);
  std::vector<RegistryEntry> local_entries() const;

  // Another host's agents, as a whole: its list replaces what was known of it. A host that is
  // gone is forgotten (every entry of it reported as not ready).
  void replace_machine(const std::string& machine, std::vector<RegistryEntry> entries);
  void forget_machine(const std::string& machine);

  // One instance of `agent`: this host's, else a ready one, else any.
  std::optional<RegistryEntry> find(const std::string& agent) const;
  // Every known instance of `agent`, by machine name.
  std::vector<RegistryEntry> instances(const std::string& agent) const;
  std::vector<RegistryEntry> entries() const;
  // True while some agent has instances on more than one machine: lets a client whose target
  // runs in this host skip the lookup of other instances in the common case (no lock).
  bool has_replicas() const noexcept { return has_replicas_.load(std::memory_order_relaxed); }

  // Asked by find() and instances() for an agent with no entry at all (in an isolated child:
  // the host's agents). Set before use; never called with the lock held.
  using Fallback = std::function<std::optional<RegistryEntry>(const std::string& agent)>;
  void set_fallback(Fallback fallback) { fallback_ = std::move(fallback); }

  using Listener = std::function<void(const RegistryEntry&)>;
  int subscribe(Listener listener);
  void unsubscribe(int id);
  // Called whenever a local entry changes (the backend announces it).
  void on_local_change(std::function<void()> notify);

 private:
  using Key = std::pair<std::string, std::string>;  // (agent, machine)

  void notify(const std::vector<RegistryEntry>& changed);
  // has_replicas_ after entries of `agent` were added (delta > 0) or removed (delta < 0)...
  void instances_changed_locked(const std::string& agent, int delta);
  // ...and after any other change, by counting them all.
  void count_replicated_locked();

  const std::string machine_;
  Fallback fallback_;  // set before use, then read only
  mutable std::mutex mu_;
  std::map<Key, RegistryEntry> entries_;  // guarded by mu_; an agent's instances are adjacent
  std::size_t replicated_agents_ = 0;  // guarded by mu_: agents with instances on 2+ machines
  std::atomic<bool> has_replicas_{false};
  std::map<int, Listener> listeners_;                          // guarded by mu_
  std::function<void()> local_change_;                         // guarded by mu_
  int next_listener_ = 1;                                      // guarded by mu_
};

}  // namespace agenthost::messaging
