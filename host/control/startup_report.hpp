#pragma once
// Start-up reports on a HostSnapshot, like `systemd-analyze blame` and `critical-chain`.
// Pure functions: the host uses them for the `startup` answer, agentctl for its tables.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/host_snapshot.hpp"

namespace agenthost::control {

// One agent's own start-up cost: from getting a start slot (load_begin) to ready, i.e.
// load + configure + start. Time spent waiting for dependencies is not counted.
struct BlameEntry {
  std::string name;
  runtime::HostMillis duration_ms = 0;
  runtime::HostMillis ready_at = 0;
};

// A step of the critical chain: the agent became ready `ready_at` ms after host start and
// took `duration_ms` of its own (as in BlameEntry).
struct ChainLink {
  std::string name;
  runtime::HostMillis ready_at = 0;
  runtime::HostMillis duration_ms = 0;
};

// An agent that did not come up: failed or blocked (and why).
struct NotStarted {
  std::string name;
  runtime::AgentState state = runtime::AgentState::failed;
  std::string reason;
  std::string blocked_by;
};

// Every agent that has both load_begin and ready_at, longest own start first (ties by name).
std::vector<BlameEntry> blame(const runtime::HostSnapshot& snapshot);

// Starts at the agent that became ready last, then repeatedly steps to the dependency that
// became ready latest, until an agent has no dependency that became ready (in this snapshot:
// dependencies on other machines are not known here). Returned last-ready first, like
// systemd-analyze prints it. Empty when no agent is ready.
std::vector<ChainLink> critical_chain(const runtime::HostSnapshot& snapshot);

// Agents in state failed or blocked, in config order.
std::vector<NotStarted> not_started(const runtime::HostSnapshot& snapshot);

// Why a failed or blocked agent did not start: its reason, and for a blocked agent whose
// reason does not name it, the failed agent at the root ("... (blocked by 'modem')").
std::string not_started_reason(const runtime::AgentSnapshot& agent);

// {"blame": [...], "critical_chain": [...], "not_started": [...]}: the extra fields of the
// `startup` answer.
nlohmann::json startup_report_json(const runtime::HostSnapshot& snapshot);

}  // namespace agenthost::control
