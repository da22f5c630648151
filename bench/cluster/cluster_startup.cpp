#include "cluster_startup.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "registry_lines.hpp"

namespace agenthost::bench {
namespace {

// When `machine`'s registry had reported every other machine's agent ready.
std::optional<Clock::time_point> all_remote_ready(ClusterLab& lab, int machine, Clock::time_point deadline) {
  const std::size_t expected = std::size_t(lab.agents_per_host()) * (ClusterLab::kHosts - 1);
  std::set<std::string> seen;
  for (std::size_t from = 0; seen.size() < expected;) {
    auto line = lab.host(machine).wait_for_line_from(from, kRegistryLine, time_left(deadline));
    if (!line) return std::nullopt;
    from = line->index + 1;
    const auto change = parse_registry_line(line->text);
    if (change && change->ready && change->machine != ClusterLab::machine_name(machine)) seen.insert(change->agent);
    if (seen.size() == expected) return line->read_at;
  }
  return std::nullopt;
}

}  // namespace

std::optional<ClusterStartup> wait_for_cluster_startup(ClusterLab& lab, Clock::time_point spawned,
                                                       Clock::time_point deadline, std::string* why) {
  ClusterStartup figures;
  const std::string complete = fmt::format("startup complete: {} ready, 0 failed", lab.agents_per_host());
  for (int m = 0; m < ClusterLab::kHosts; ++m) {
    auto& host = lab.host(m);
    const auto own = host.wait_for_line_from(0, complete, time_left(deadline));
    if (!own) {
      *why = fmt::format("host {} did not log '{}':\n{}", ClusterLab::machine_name(m), complete, lab.tail(m));
      return std::nullopt;
    }
    const auto others = all_remote_ready(lab, m, deadline);
    if (!others) {
      *why = fmt::format("host {} did not see every other machine's agent ready in time:\n{}",
                         ClusterLab::machine_name(m), lab.tail(m));
      return std::nullopt;
    }
    figures.last_host_complete = std::max(figures.last_host_complete, own->read_at - spawned);
    figures.all_visible_everywhere =
        std::max({figures.all_visible_everywhere, own->read_at - spawned, *others - spawned});
  }
  return figures;
}

}  // namespace agenthost::bench
