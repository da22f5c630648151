#pragma once
// AgentHost's per-agent record. Private to the runtime; every field is guarded by
// AgentHost::mu_, except spec, selected and logger, which the constructor sets for good.

#include <chrono>
#include <memory>
#include <string>

#include "agenthost/health.hpp"
#include "runtime/agent_host.hpp"
#include "supervision/restart_tracker.hpp"

namespace agenthost::runtime {

struct AgentHost::Record {
  const config::AgentSpec* spec = nullptr;
  bool selected = false;  // run by this host
  AgentState state = AgentState::pending;
  std::string reason;
  std::string blocked_by;
  double since_ms = 0;
  std::string plugin_file;
  Health health = Health::unhealthy("not started");
  std::optional<double> health_at_ms;
  AgentTimings timings;
  std::uint32_t restarts = 0;
  bool reloading = false;  // a reload or a restart of it is queued (back-off) or running
  // Supervision (agent_host_restart.cpp): restart history, the unhealthy polls in a row, and
  // the library of an agent the supervisor failed (for `agentctl restart`).
  std::optional<supervision::RestartTracker> restart_tracker;
  int unhealthy_polls = 0;
  bool recovering = false;  // restarted; the back-off resets on its first healthy poll
  std::shared_ptr<loader::PluginLibrary> failed_library;  // null for a process agent
  bool failed_by_supervision = false;  // failed by the restart policy: `agentctl restart` may revive it
  std::shared_ptr<spdlog::logger> logger;  // set by the constructor, then immutable
  std::shared_ptr<AgentInstance> instance;  // while started
  // The start or stop task in flight, and when the control thread gives up on it.
  std::shared_ptr<TaskRace> task;
  std::chrono::steady_clock::time_point deadline;
};

}  // namespace agenthost::runtime
