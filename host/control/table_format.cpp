#include "control/table_format.hpp"

#include <cmath>
#include <cstdint>
#include <map>

#include <fmt/format.h>

#include "control/startup_report.hpp"
#include "control/text_table.hpp"

namespace agenthost::control {
namespace {

using runtime::AgentSnapshot;
using runtime::AgentState;
using runtime::HostSnapshot;

Tone state_tone(AgentState state) {
  switch (state) {
    case AgentState::ready: return Tone::good;
    case AgentState::failed:
    case AgentState::blocked: return Tone::bad;
    case AgentState::stopped: return Tone::dim;
    default: return Tone::warning;  // on its way somewhere
  }
}

Tone health_tone(HealthStatus health) {
  switch (health) {
    case HealthStatus::healthy: return Tone::good;
    case HealthStatus::degraded: return Tone::warning;
    case HealthStatus::unhealthy: return Tone::bad;
  }
  return Tone::plain;
}

// Health means something only while the agent's code runs; for the others it is the
// struct's default, not a measurement.
bool health_is_meaningful(const AgentSnapshot& agent) {
  return agent.state == AgentState::ready || agent.state == AgentState::starting ||
         agent.state == AgentState::stopping;
}

std::string ago(const HostSnapshot& snapshot, runtime::HostMillis at) {
  return format_duration(std::max(0.0, snapshot.uptime_ms - at)) + " ago";
}

std::string detail_or_reason(const AgentSnapshot& agent) {
  if (agent.state == AgentState::failed || agent.state == AgentState::blocked)
    return not_started_reason(agent);
  return agent.health_detail.empty() ? agent.reason : agent.health_detail;
}

Cell ms_cell(runtime::HostMillis ms) { return Cell(format_duration(ms)); }

}  // namespace

std::string format_duration(runtime::HostMillis ms) {
  if (!std::isfinite(ms) || ms < 0) ms = 0;
  if (ms < 10) return fmt::format("{:.1f}ms", ms);
  if (ms < 1000) return fmt::format("{:.0f}ms", ms);
  if (ms < 60'000) return fmt::format("{:.3f}s", ms / 1000);
  const auto seconds = static_cast<std::int64_t>(ms / 1000);
  if (seconds < 3600) return fmt::format("{}min {}s", seconds / 60, seconds % 60);
  if (seconds < 86400) return fmt::format("{}h {}min", seconds / 3600, seconds % 3600 / 60);
  return fmt::format("{}d {}h", seconds / 86400, seconds % 86400 / 3600);
}

std::string format_summary(const HostSnapshot& snapshot, const FormatOptions& options) {
  std::map<AgentState, std::size_t> counts;
  for (const auto& agent : snapshot.agents) ++counts[agent.state];
  auto count = [&](AgentState state) { return counts.count(state) ? counts[state] : 0; };

  std::string agents = fmt::format("{} agents: ", snapshot.agents.size());
  agents += paint(fmt::format("{} ready", count(AgentState::ready)), Tone::good,
                  options.color && count(AgentState::ready) > 0);
  for (auto state : {AgentState::failed, AgentState::blocked})
    agents += ", " + paint(fmt::format("{} {}", count(state), runtime::to_string(state)), Tone::bad,
                           options.color && count(state) > 0);
  for (const auto& [state, n] : counts)  // the transient states only when there are some
    if (state != AgentState::ready && state != AgentState::failed && state != AgentState::blocked)
      agents += fmt::format(", {} {}", n, runtime::to_string(state));

  std::string startup = "startup in progress";
  if (snapshot.startup_finished)
    startup = snapshot.startup_completed_at
                  ? "startup " + format_duration(*snapshot.startup_completed_at)
                  : "startup finished";
  return fmt::format("{} (agenthost {}, pid {}), up {}; {}; {}\n",
                     snapshot.host_name.empty() ? "host" : snapshot.host_name, snapshot.version,
                     snapshot.pid, format_duration(snapshot.uptime_ms), agents, startup);
}

std::string format_status(const HostSnapshot& snapshot, const FormatOptions& options) {
  TextTable table({"NAME", "STATE", "HEALTH", "SINCE", "DETAIL/REASON"});
  for (const auto& agent : snapshot.agents) {
    const bool has_health = health_is_meaningful(agent);
    table.add_row({agent.name,
                   {std::string(runtime::to_string(agent.state)), state_tone(agent.state)},
                   has_health ? Cell(std::string(to_string(agent.health)), health_tone(agent.health))
                              : Cell("-", Tone::dim),
                   ago(snapshot, agent.state_since),
                   detail_or_reason(agent)});
  }
  return format_summary(snapshot, options) + "\n" + table.render(options.color);
}

std::string format_list(const HostSnapshot& snapshot, const FormatOptions& options) {
  TextTable table({"NAME", "MACHINE", "PLUGIN", "STATE"});
  for (const auto& agent : snapshot.agents)
    table.add_row({agent.name, agent.machine, agent.plugin,
                   {std::string(runtime::to_string(agent.state)), state_tone(agent.state)}});
  return table.render(options.color);
}

std::string format_health(const HostSnapshot& snapshot, const FormatOptions& options) {
  TextTable table({"NAME", "HEALTH", "CHECKED", "DETAIL"});
  for (const auto& agent : snapshot.agents) {
    if (!health_is_meaningful(agent)) {
      table.add_row({agent.name, Cell("-", Tone::dim), Cell("-", Tone::dim),
                     fmt::format("(agent is {})", runtime::to_string(agent.state))});
      continue;
    }
    table.add_row({agent.name,
                   {std::string(to_string(agent.health)), health_tone(agent.health)},
                   agent.health_checked_at ? Cell(ago(snapshot, *agent.health_checked_at))
                                           : Cell("never", Tone::dim),
                   agent.health_detail});
  }
  return table.render(options.color);
}

std::string format_startup(const HostSnapshot& snapshot, const FormatOptions& options) {
  std::string out = format_summary(snapshot, options);

  const auto blamed = blame(snapshot);
  out += "\nBlame (own start time: load + configure + start, waiting for dependencies excluded):\n";
  if (blamed.empty()) {
    out += "  (no agent has become ready)\n";
  } else {
    TextTable table({"OWN TIME", "READY AT", "NAME"});
    for (const auto& entry : blamed)
      table.add_row({ms_cell(entry.duration_ms), "@" + format_duration(entry.ready_at), entry.name});
    out += table.render(options.color);
  }

  const auto chain = critical_chain(snapshot);
  out += "\nCritical chain (@ready since host start, +own start time):\n";
  if (chain.empty()) out += "  (no agent has become ready)\n";
  for (std::size_t i = 0; i < chain.size(); ++i) {
    // systemd-analyze's tree: the last agent to become ready on top, its slowest path below.
    std::string indent = i == 0 ? "" : std::string(2 * (i - 1), ' ') + "\u2514\u2500";
    out += fmt::format("{}{} @{} {}\n", indent, chain[i].name, format_duration(chain[i].ready_at),
                       paint("+" + format_duration(chain[i].duration_ms), Tone::warning,
                             options.color));
  }

  const auto missing = not_started(snapshot);
  if (!missing.empty()) {
    out += "\nNot started:\n";
    TextTable table({"NAME", "STATE", "REASON"});
    for (const auto& agent : missing) {
      AgentSnapshot view;
      view.state = agent.state;
      view.reason = agent.reason;
      view.blocked_by = agent.blocked_by;
      table.add_row({agent.name, {std::string(runtime::to_string(agent.state)), Tone::bad},
                     detail_or_reason(view)});
    }
    out += table.render(options.color);
  }
  return out;
}

}  // namespace agenthost::control
