#pragma once
// The states of an agent (DESIGN.md section 6) and their names on the wire and in tables.

#include <optional>
#include <string_view>

namespace agenthost::runtime {

enum class AgentState {
  pending,     // waiting for its dependencies (or for a start slot)
  loaded,      // library loaded, instance constructed
  configured,  // configure() returned
  starting,    // start() is running
  ready,       // start() returned: dependents may start
  stopping,    // stop() is running
  stopped,     // stop() returned
  failed,      // load, configure or start failed, or start timed out
  blocked,     // not started because a dependency failed or is blocked
};

std::string_view to_string(AgentState state) noexcept;
std::optional<AgentState> agent_state_from_string(std::string_view name) noexcept;

}  // namespace agenthost::runtime
