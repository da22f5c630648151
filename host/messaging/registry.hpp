#pragma once
// The registry: agent name -> where it answers and whether it is ready. The host publishes its
// own agents here; a backend (registry_backend.hpp: none, static peers, later etcd) adds the
// agents of other hosts. Clients resolve names here; the start-up waits here for dependencies
// that run on other machines.
//
// Threads: thread-safe. Listeners run on the thread that made the change, without the lock
// held, and must be short.

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

  std::optional<RegistryEntry> find(const std::string& agent) const;
  std::vector<RegistryEntry> entries() const;

  using Listener = std::function<void(const RegistryEntry&)>;
  int subscribe(Listener listener);
  void unsubscribe(int id);
  // Called whenever a local entry changes (the backend announces it).
  void on_local_change(std::function<void()> notify);

 private:
  void notify(const std::vector<RegistryEntry>& changed);

  const std::string machine_;
  mutable std::mutex mu_;
  std::map<std::string, RegistryEntry, std::less<>> entries_;  // guarded by mu_
  std::map<int, Listener> listeners_;                          // guarded by mu_
  std::function<void()> local_change_;                         // guarded by mu_
  int next_listener_ = 1;                                      // guarded by mu_
};

}  // namespace agenthost::messaging
