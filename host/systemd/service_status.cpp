#include "systemd/service_status.hpp"

#include <fmt/format.h>

namespace agenthost::systemd {
namespace {

std::string agents(std::size_t n) { return fmt::format("{} agent{}", n, n == 1 ? "" : "s"); }

// ", 1 failed, 2 blocked": the parts that are not zero.
void append_nonzero(std::string& out, std::size_t n, std::string_view what) {
  if (n > 0) out += fmt::format(", {} {}", n, what);
}

}  // namespace

AgentCounts count_agents(const runtime::HostSnapshot& snapshot) {
  using runtime::AgentState;
  AgentCounts c;
  for (const auto& a : snapshot.agents) {
    ++c.total;
    switch (a.state) {
      case AgentState::ready:
        if (a.health == HealthStatus::healthy) ++c.ready;
        else if (a.health == HealthStatus::degraded) ++c.degraded;
        else ++c.unhealthy;
        break;
      case AgentState::pending:
      case AgentState::loaded:
      case AgentState::configured:
      case AgentState::starting: ++c.starting; break;
      case AgentState::stopping:
      case AgentState::stopped: ++c.stopped; break;
      case AgentState::failed: ++c.failed; break;
      case AgentState::blocked: ++c.blocked; break;
    }
  }
  return c;
}

std::string starting_status(const runtime::StartupProgress& progress) {
  std::string out = fmt::format("starting: {}/{} ready", progress.ready, agents(progress.total));
  append_nonzero(out, progress.failed, "failed");
  append_nonzero(out, progress.blocked, "blocked");
  return out;
}

std::string ready_status(const runtime::StartupSummary& summary) {
  const std::size_t total = summary.ready + summary.failed + summary.blocked;
  if (summary.ready == total)
    return fmt::format("{} ready in {:.2f} s", agents(total), summary.elapsed_s);
  std::string out = fmt::format("{} of {} ready in {:.2f} s; ", summary.ready, agents(total),
                                summary.elapsed_s);
  std::string parts;
  append_nonzero(parts, summary.failed, "failed");
  append_nonzero(parts, summary.blocked, "blocked");
  return out + parts.substr(2) + " (agentctl status)";
}

std::string running_status(const AgentCounts& c) {
  std::string out = fmt::format("running: {} ready", c.ready);
  append_nonzero(out, c.degraded, "degraded");
  append_nonzero(out, c.unhealthy, "unhealthy");
  append_nonzero(out, c.starting, "starting");
  append_nonzero(out, c.stopped, "stopped");
  append_nonzero(out, c.failed, "failed");
  append_nonzero(out, c.blocked, "blocked");
  return out;
}

std::string stopping_status(const AgentCounts& c) {
  return fmt::format("stopping {}", agents(c.total - c.failed - c.blocked));
}

}  // namespace agenthost::systemd
