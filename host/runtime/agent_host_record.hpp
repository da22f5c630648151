#pragma once
// AgentHost's per-agent record. Private to the runtime; every field is guarded by
// AgentHost::mu_, except spec, selected and logger, which the constructor sets for good.

#include <chrono>
#include <memory>
#include <string>

#include "agenthost/health.hpp"
#include "runtime/agent_host.hpp"

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
  bool reloading = false;  // a reload of it is queued or running
  std::shared_ptr<spdlog::logger> logger;  // set by the constructor, then immutable
  std::shared_ptr<AgentInstance> instance;  // while started
  // The start or stop task in flight, and when the control thread gives up on it.
  std::shared_ptr<TaskRace> task;
  std::chrono::steady_clock::time_point deadline;
};

}  // namespace agenthost::runtime
