#pragma once
// A consistent copy of the host's view of its agents, taken under the runtime's lock. The
// control socket and (later) the admin HTTP listener answer from it: they never call into
// agent code.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "agenthost/health.hpp"
#include "runtime/agent_state.hpp"

namespace agenthost::runtime {

// Milliseconds since the host process started its start-up (the `run` command's t=0).
using HostMillis = double;

struct AgentTimings {
  // Each is set once the phase has begun / ended; all relative to host start.
  std::optional<HostMillis> load_begin;       // the agent got a start slot, dlopen begins
  std::optional<HostMillis> configure_begin;  // library loaded, instance constructed
  std::optional<HostMillis> start_begin;      // configure() returned
  std::optional<HostMillis> ready_at;         // start() returned
};

struct AgentSnapshot {
  std::string name;
  std::string machine;
  std::string plugin;
  std::string plugin_file;  // the resolved .so path ("" when not found)
  AgentState state = AgentState::pending;
  std::string reason;       // why it is in this state ("dependency 'X' failed", the error text)
  std::string blocked_by;   // for `blocked`: the failed agent at the root of it
  HostMillis state_since = 0;
  HealthStatus health = HealthStatus::unhealthy;
  std::string health_detail;
  std::optional<HostMillis> health_checked_at;
  std::uint32_t restarts = 0;
  std::vector<std::string> dependencies;
  std::optional<double> expected_start_ms;
  AgentTimings timings;
  std::string log_level;  // its logger's level, as the config writes it ("debug")
  // "" in the host's process; "process" in a child of its own; "process: WHY" when crash
  // quarantine put it there.
  std::string isolation;
};

struct HostSnapshot {
  std::string host_name;      // the machine name this host runs as ("all" = every machine)
  std::string version;        // AGENTHOST_VERSION_STRING
  std::int64_t pid = 0;
  HostMillis uptime_ms = 0;
  bool startup_finished = false;
  std::optional<HostMillis> startup_completed_at;
  std::string log_level;  // the host's own logger's level
  std::vector<AgentSnapshot> agents;  // in config order
};

}  // namespace agenthost::runtime
