#pragma once
// The `etcd` registry backend. Each host puts its agents' entries under
// PREFIX/agents/MACHINE/AGENT (etcd_codec.hpp), bound to a lease it keeps alive, and watches
// the prefix for everybody else's. A host that dies stops renewing its lease: etcd deletes
// its keys after the TTL and every watcher forgets those agents. On a clean stop the lease is
// revoked, so the others see the agents go at once.
//
// When etcd cannot be reached the host keeps its last view and keeps serving; both threads
// retry with back-off. On reconnect a lease that expired meanwhile is granted again, every
// entry is put again, and the view is rebuilt from a fresh range (resync), then watched from
// the revision after it.
//
// Threads: two of its own. "registry-lease" owns the lease and writes this host's entries;
// "registry-watch" owns the view of other hosts and writes it into the Registry. start() and
// stop() from the host's control thread.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "messaging/registry.hpp"
#include "messaging/registry_backend.hpp"

namespace agenthost::messaging {

namespace etcd {
class EtcdClient;
}

struct EtcdOptions {
  std::vector<std::string> endpoints;  // "HOST:PORT" of etcd members' client URLs
  std::string prefix = "/agenthost";   // every key of this cluster starts with it
  std::chrono::milliseconds ttl{2000};  // the lease; etcd rounds up to whole seconds and its minimum
  std::chrono::milliseconds call_timeout{1000};
};

class EtcdRegistryBackend final : public RegistryBackend {
 public:
  EtcdRegistryBackend(Registry& registry, EtcdOptions options);
  ~EtcdRegistryBackend() override;  // stop()
  EtcdRegistryBackend(const EtcdRegistryBackend&) = delete;
  EtcdRegistryBackend& operator=(const EtcdRegistryBackend&) = delete;

  std::optional<std::string> start() override;
  void stop() override;

 private:
  // registry-lease thread.
  void run_lease();
  bool grant_lease(etcd::EtcdClient& client);
  bool keep_lease_alive(etcd::EtcdClient& client);
  bool write_local_entries(etcd::EtcdClient& client);
  void revoke_lease();
  void set_reachable(bool reachable, const std::string& why);

  // registry-watch thread.
  void run_watch();
  std::optional<std::int64_t> resync(etcd::EtcdClient& client);
  bool apply_watch_message(const nlohmann::json& message);
  void publish_machine(const std::string& machine);

  bool wait_or_stop(std::chrono::milliseconds pause);  // false when stopping

  Registry& registry_;
  const EtcdOptions options_;
  std::thread lease_thread_;
  std::thread watch_thread_;
  std::atomic<bool> stopping_{false};
  // Bumped when the lease thread finds etcd unreachable: the watch, which may sit on a silent
  // connection (a stopped etcd accepts TCP but never answers), drops it and resyncs.
  std::atomic<std::uint64_t> connection_epoch_{0};

  std::mutex mu_;
  std::condition_variable wake_;
  bool local_changed_ = true;  // guarded by mu_

  // registry-lease thread's own.
  std::int64_t lease_ = 0;
  std::chrono::milliseconds keepalive_interval_{500};
  std::map<std::string, std::string> written_;  // key -> value as etcd holds it under lease_
  bool reachable_ = true;

  // registry-watch thread's own: every other machine's entries, by machine and agent.
  std::map<std::string, std::map<std::string, RegistryEntry>> view_;
  std::set<std::string> present_;  // machines with entries in the Registry now
};

}  // namespace agenthost::messaging
