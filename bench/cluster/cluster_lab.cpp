#include "cluster_lab.hpp"

#include <signal.h>

#include <fmt/format.h>

namespace agenthost::bench {
namespace {

using namespace std::chrono_literals;

// Our own lab name and subnet: never the tests' ("ah8", 10.208.0), so both may run at once.
constexpr const char* kLabName = "ahbc";
constexpr const char* kSubnet = "10.209.0";
constexpr int kEtcdClientPort = 2379;
constexpr int kEtcdPeerPort = 2380;

}  // namespace

ClusterLab::ClusterLab(int agents_per_host)
    : agents_per_host_(agents_per_host), network_(kLabName, kSubnet, kHosts) {
  if (!network_.ok()) {
    error_ = "cannot make the network namespaces: " + network_.error();
    return;
  }
  const auto etcd = testing::find_etcd();
  if (!etcd) {
    error_ = testing::kEtcdMissing;
    return;
  }
  etcd_ = std::make_unique<testing::EtcdServer>(
      *etcd, dir_.file("etcd-data"), network_.bridge_address(), kEtcdClientPort, kEtcdPeerPort,
      testing::EtcdServer::Namespace{network_.inside_hub(), [this](const auto& fn) { network_.in_hub(fn); }});
  if (std::string why; !etcd_->start(&why)) {
    error_ = why;
    return;
  }
  for (int i = 0; i < kHosts; ++i) std::filesystem::create_directories(drop_in_dir(i));
  config_ = write_config();
}

ClusterLab::~ClusterLab() {
  // All at once; each ChildProcess then waits for its own exit as it is destroyed.
  for (auto& host : hosts_)
    if (host) host->signal(SIGKILL);
}

std::filesystem::path ClusterLab::drop_in_dir(int machine) const {
  return dir_.path() / (machine_name(machine) + ".d");
}

std::string ClusterLab::write_config() const {
  std::string agents;
  for (int m = 0; m < kHosts; ++m)
    for (int a = 0; a < agents_per_host_; ++a)
      agents += fmt::format("  - {{ name: {}_a{:03}, plugin: echo, machine: {}, port: auto }}\n", machine_name(m), a,
                            machine_name(m));
  return dir_.write("cluster.yaml", fmt::format(R"(host:
  name: m0
  plugin_dirs: [{}]
  agents_dir: ${{AGENTS_DIR}}
  control: {{ socket: "${{CONTROL_SOCKET}}" }}
  bind: ${{BIND}}
  registry:
    backend: etcd
    ttl: 2s
    etcd: {{ endpoints: ["{}"], prefix: {} }}
agents:
{})",
                                                AGENTHOST_BENCH_PLUGIN_DIR, etcd_->endpoint(), kPrefix, agents));
}

Clock::time_point ClusterLab::start_hosts() {
  const auto began = Clock::now();
  for (int i = 0; i < kHosts; ++i) {
    auto argv = network_.inside(i);
    // debug: the registry's line for every entry that changes is how we see what a host learned.
    argv.insert(argv.end(), {AGENTHOST_BENCH_HOST, "run", "--config", config_, "--machine", machine_name(i),
                             "--log-level", "debug"});
    hosts_[i] = std::make_unique<testing::ChildProcess>(
        argv, std::map<std::string, std::string>{{"CONTROL_SOCKET", dir_.file(machine_name(i) + ".sock")},
                                                 {"BIND", network_.address(i)},
                                                 {"AGENTS_DIR", drop_in_dir(i).string()}});
  }
  return began;
}

std::string ClusterLab::tail(int machine, std::size_t count) const {
  const auto lines = hosts_[machine]->lines();
  std::string out;
  for (auto i = lines.size() > count ? lines.size() - count : 0; i < lines.size(); ++i) out += lines[i] + "\n";
  return out;
}

bool ClusterLab::stop_hosts() {
  for (auto& host : hosts_) host->signal(SIGTERM);
  bool clean = true;
  for (auto& host : hosts_) clean = host->wait_exit(20s) == 0 && clean;
  return clean;
}

}  // namespace agenthost::bench
