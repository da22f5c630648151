// bench_cluster: a cluster of three real hosts, measured from outside.
//
// Three machines in network namespaces of their own (lab "ahbc", 10.209.0.0/24), one etcd in
// the hub, the real agenthost on each machine with the etcd registry backend and --agents
// echo agents (default 100: 300 in all). Prints:
//   cluster_startup_*: spawn -> every host's own agents ready (baseline), and spawn -> every
//     agent of the cluster seen ready on every host
//   cluster_readiness_propagation_ms_{median,max}: an agent on machine 0 becomes ready or not
//     (a drop-in added or removed) -> the last of the other hosts has it in its registry
//   etcd_watch_propagation_ms_{median,max}: the baseline, one round each beside every change:
//     a put from machine 0 -> the last watcher on the other machines delivers it
//   and the ratio of the two medians.
//
//   bench_cluster [--changes N] [--agents N]      (root, iproute2 and etcd-server needed)

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "cluster_lab.hpp"
#include "cluster_startup.hpp"
#include "etcd_watch_baseline.hpp"
#include "latency_stats.hpp"
#include "readiness_probe.hpp"

using namespace agenthost::bench;
using namespace std::chrono_literals;

namespace {

constexpr auto kStartupTimeout = 120s;
constexpr auto kChangeTimeout = 10s;
constexpr auto kMeasuringBudget = 180s;  // all rounds together: the loop ends early past it

void result(const std::string& key, double value, const char* unit) {
  std::printf("RESULT %s %.3f %s\n", key.c_str(), value, unit);
  std::fflush(stdout);
}

double ms(std::chrono::nanoseconds d) { return std::chrono::duration<double, std::milli>(d).count(); }

// Median and max, printed as KEY_median and KEY_max; the median.
double report(const std::string& key, std::vector<std::chrono::nanoseconds> values) {
  const double median = ms(percentile(values, 50));
  result(key + "_median", median, "ms");
  result(key + "_max", ms(*std::max_element(values.begin(), values.end())), "ms");
  return median;
}

// Exit code 2 and why, when this machine cannot run the bench at all.
std::optional<std::string> missing_prerequisite() {
  if (::geteuid() != 0) return "bench_cluster makes network namespaces: run it as root";
  if (::access("/usr/sbin/ip", X_OK) != 0) return "bench_cluster needs iproute2 (/usr/sbin/ip)";
  if (!agenthost::testing::find_etcd()) return agenthost::testing::kEtcdMissing;
  return std::nullopt;
}

int run(int changes, int agents_per_host) {
  ClusterLab lab(agents_per_host);
  if (!lab.ok()) {
    std::fprintf(stderr, "bench_cluster: %s\n", lab.error().c_str());
    return 1;
  }
  std::string why;
  const auto spawned = lab.start_hosts();
  const auto startup = wait_for_cluster_startup(lab, spawned, Clock::now() + kStartupTimeout, &why);
  if (!startup) {
    std::fprintf(stderr, "bench_cluster: %s\n", why.c_str());
    return 1;
  }
  result("cluster_hosts", ClusterLab::kHosts, "hosts");
  result("cluster_agents", ClusterLab::kHosts * agents_per_host, "agents");
  result("cluster_startup_last_host_complete_ms", ms(startup->last_host_complete), "ms");
  result("cluster_startup_all_visible_everywhere_ms", ms(startup->all_visible_everywhere), "ms");
  result("cluster_startup_all_visible_vs_last_host_complete",
         ms(startup->all_visible_everywhere) / ms(startup->last_host_complete), "x");

  EtcdWatchBaseline baseline(lab, "/bench-cluster-baseline/");
  if (!baseline.wait_ready(10s)) {
    std::fprintf(stderr, "bench_cluster: the baseline's etcd watches did not start: %s\n", baseline.error().c_str());
    return 1;
  }
  ReadinessProbe probe(lab);
  std::vector<std::chrono::nanoseconds> hosts, raw;
  const auto budget_ends = Clock::now() + kMeasuringBudget;
  // Alternating, so that both see the same moments of a noisy machine: a raw put, then a
  // change on the hosts (Probe added, then removed, ...).
  for (int round = 0; round < changes && Clock::now() < budget_ends; ++round) {
    const auto put = baseline.measure_one(kChangeTimeout);
    if (!put) {
      std::fprintf(stderr, "bench_cluster: round %d: the raw etcd put was not seen: %s\n", round + 1,
                   baseline.error().c_str());
      return 1;
    }
    raw.push_back(*put);
    const auto change = probe.change(/*ready=*/round % 2 == 0, kChangeTimeout, &why);
    if (!change) {
      std::fprintf(stderr, "bench_cluster: round %d: %s\n", round + 1, why.c_str());
      return 1;
    }
    hosts.push_back(change->to_every_host());
  }
  result("cluster_readiness_changes", double(hosts.size()), "changes");
  const double host_median = report("cluster_readiness_propagation_ms", hosts);
  const double raw_median = report("etcd_watch_propagation_ms", raw);
  result("cluster_readiness_propagation_vs_etcd_watch", host_median / raw_median, "x");
  const bool clean = lab.stop_hosts();
  result("cluster_hosts_stopped_cleanly", clean ? 1 : 0, "bool");
  return clean ? 0 : 1;
}

int usage() {
  std::fprintf(stderr, "usage: bench_cluster [--changes N] [--agents N]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  int changes = 20;
  int agents_per_host = 100;
  if (argc % 2 == 0) return usage();  // a flag without its value
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--changes") changes = std::clamp(std::atoi(argv[i + 1]), 2, 200);
    else if (flag == "--agents") agents_per_host = std::clamp(std::atoi(argv[i + 1]), 1, 1000);
    else return usage();
  }
  if (const auto missing = missing_prerequisite()) {
    std::fprintf(stderr, "bench_cluster: %s\n", missing->c_str());
    return 2;
  }
  try {
    return run(changes, agents_per_host);
  } catch (const std::exception& e) {
    // Caught here so that the lab's destructors have run: nothing is left behind.
    std::fprintf(stderr, "bench_cluster: %s\n", e.what());
    return 1;
  }
}
