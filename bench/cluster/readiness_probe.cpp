#include "readiness_probe.hpp"

#include <algorithm>
#include <fstream>

#include <fmt/format.h>

#include "registry_lines.hpp"

namespace agenthost::bench {
namespace {

constexpr const char* kProbe = "Probe";
constexpr const char* kDropIn = "probe.yaml";

}  // namespace

std::chrono::nanoseconds ReadinessProbe::Propagation::to_every_host() const {
  return *std::max_element(to_host.begin(), to_host.end());
}

void ReadinessProbe::write_drop_in() const {
  // Written beside and renamed into place: the host never reads half a file. The temporary
  // name does not end in .yaml, so the host ignores it.
  const auto dir = lab_.drop_in_dir(0);
  const auto temp = dir / ".probe.tmp";
  std::ofstream(temp) << fmt::format("agents:\n  - {{ name: {}, plugin: echo, machine: {}, port: auto }}\n", kProbe,
                                     ClusterLab::machine_name(0));
  std::filesystem::rename(temp, dir / kDropIn);
}

void ReadinessProbe::remove_drop_in() const { std::filesystem::remove(lab_.drop_in_dir(0) / kDropIn); }

std::optional<ReadinessProbe::Propagation> ReadinessProbe::change(bool ready, std::chrono::milliseconds timeout,
                                                                  std::string* why) {
  const std::string needle = registry_line(kProbe, ClusterLab::machine_name(0), ready);
  std::array<std::size_t, ClusterLab::kHosts> from{};
  for (int m = 0; m < ClusterLab::kHosts; ++m) from[m] = lab_.host(m).lines().size();
  const auto deadline = Clock::now() + timeout;
  if (ready) write_drop_in();
  else remove_drop_in();

  std::array<Clock::time_point, ClusterLab::kHosts> seen{};
  for (int m = 0; m < ClusterLab::kHosts; ++m) {
    auto line = lab_.host(m).wait_for_line_from(from[m], needle, time_left(deadline));
    if (!line) {
      *why = fmt::format("host {} did not log '{}' within {} ms:\n{}", ClusterLab::machine_name(m), needle,
                         timeout.count(), lab_.tail(m));
      return std::nullopt;
    }
    seen[m] = line->read_at;
  }
  // Machine 0's reload is over before the next change is made (a reload is refused while the
  // agents of the previous one still start).
  const std::string settled = ready ? "start wave: 1 of 1 agent ready"
                                    : "configuration reload: 0 added, 1 removed";
  if (!lab_.host(0).wait_for_line_from(from[0], settled, time_left(deadline))) {
    *why = fmt::format("host {} did not log '{}':\n{}", ClusterLab::machine_name(0), settled, lab_.tail(0));
    return std::nullopt;
  }
  Propagation out;
  for (int m = 1; m < ClusterLab::kHosts; ++m) out.to_host[m] = seen[m] - seen[0];
  return out;
}

}  // namespace agenthost::bench
