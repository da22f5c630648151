#pragma once
// The cluster of bench_cluster: three machines, each a network namespace of its own with its own
// address, joined by a bridge in a fourth namespace, the hub, where one etcd runs (the
// integration tests' NetworkLab and EtcdServer, under a lab name and subnet of our own); on
// each machine the real agenthost with the etcd registry backend and N echo agents. One
// config file serves all three: the machine comes from --machine, its address, control
// socket and drop-in folder from the environment.
//
// The destructor removes everything, also after a failure: hosts killed, etcd killed,
// namespaces deleted, the temporary folder removed (members are destroyed in that order).

#include <algorithm>
#include <array>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "support/child_process.hpp"
#include "support/etcd_server.hpp"
#include "support/network_lab.hpp"
#include "support/test_dir.hpp"

namespace agenthost::bench {

using Clock = std::chrono::steady_clock;

// What is left until `deadline`, never negative: every wait of the bench has one.
inline std::chrono::milliseconds time_left(Clock::time_point deadline) {
  return std::max(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()),
                  std::chrono::milliseconds(0));
}

class ClusterLab {
 public:
  static constexpr int kHosts = 3;
  static constexpr const char* kPrefix = "/agenthost/bench-cluster";  // the hosts' etcd prefix

  // Makes the namespaces and starts etcd; ok() says whether that worked.
  explicit ClusterLab(int agents_per_host);
  ~ClusterLab();
  ClusterLab(const ClusterLab&) = delete;
  ClusterLab& operator=(const ClusterLab&) = delete;

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

  // Spawns the three hosts back to back; returns the time just before the first spawn.
  Clock::time_point start_hosts();
  // SIGTERM to every host; true when each exits 0 within 20 s.
  bool stop_hosts();

  testing::ChildProcess& host(int machine) { return *hosts_[machine]; }
  // A host's last log lines, for failure reports.
  std::string tail(int machine, std::size_t lines = 30) const;
  static std::string machine_name(int machine) { return "m" + std::to_string(machine); }
  int agents_per_host() const { return agents_per_host_; }
  // Where a host reads drop-ins (host.agents_dir): each machine has its own folder.
  std::filesystem::path drop_in_dir(int machine) const;

  const testing::NetworkLab& network() const { return network_; }
  std::string etcd_endpoint() const { return etcd_->endpoint(); }

 private:
  std::string write_config() const;

  const int agents_per_host_;
  std::string error_;
  // Declared in the order of making, destroyed in reverse: hosts, etcd, namespaces, folder.
  testing::TestDir dir_;
  testing::NetworkLab network_;
  std::unique_ptr<testing::EtcdServer> etcd_;
  std::string config_;
  std::array<std::unique_ptr<testing::ChildProcess>, kHosts> hosts_;
};

}  // namespace agenthost::bench
