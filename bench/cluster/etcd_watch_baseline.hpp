#pragma once
// The baseline for the hosts' propagation, measured beside it: the same kind of change made
// directly in etcd. A put from machine 0's namespace and a watch in each other machine's
// namespace, both through the host's own etcd client (the same HTTP/JSON gateway, the same
// libcurl, one connection per thread, as the registry backend). What the hosts add on top is
// their own work: waking the lease thread, encoding, the watch thread's decoding, the
// registry, the log line and its pipe.
//
// Threads: one per watcher and one putter, each inside its namespace (setns is per thread);
// all joined by the destructor (within about a second: the watch asks to stop several times a
// second).

#include <array>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cluster_lab.hpp"

namespace agenthost::bench {

class EtcdWatchBaseline {
 public:
  // Watches `key_prefix` (keys of its own, outside the hosts' prefix) from machines 1..N-1.
  EtcdWatchBaseline(const ClusterLab& lab, std::string key_prefix);
  ~EtcdWatchBaseline();
  EtcdWatchBaseline(const EtcdWatchBaseline&) = delete;
  EtcdWatchBaseline& operator=(const EtcdWatchBaseline&) = delete;

  // Waits until every watch is established.
  bool wait_ready(std::chrono::milliseconds timeout);
  // One put from machine 0 -> the slowest watcher's delivery of it; std::nullopt when the put
  // failed or a watcher did not see it within `timeout`.
  std::optional<std::chrono::nanoseconds> measure_one(std::chrono::milliseconds timeout);
  std::string error() const;

 private:
  static constexpr int kWatchers = ClusterLab::kHosts - 1;
  void watch(int watcher);
  void put_on_request();

  const ClusterLab& lab_;
  const std::string key_prefix_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;                                          // guarded by mu_
  int watches_created_ = 0;                                        // guarded by mu_
  int requested_ = 0;                                              // guarded by mu_: puts asked for
  int put_done_ = 0;                                               // guarded by mu_: puts made (or failed)
  std::map<int, Clock::time_point> put_at_;                        // guarded by mu_: sequence -> before the put
  std::map<int, std::array<std::optional<Clock::time_point>, kWatchers>> seen_;  // guarded by mu_
  std::string error_;                                              // guarded by mu_

  std::vector<std::thread> threads_;
};

}  // namespace agenthost::bench
