#include "runtime/agent_state.hpp"

#include <array>
#include <utility>

namespace agenthost::runtime {
namespace {
constexpr std::array<std::pair<AgentState, std::string_view>, 9> kNames{{
    {AgentState::pending, "pending"},
    {AgentState::loaded, "loaded"},
    {AgentState::configured, "configured"},
    {AgentState::starting, "starting"},
    {AgentState::ready, "ready"},
    {AgentState::stopping, "stopping"},
    {AgentState::stopped, "stopped"},
    {AgentState::failed, "failed"},
    {AgentState::blocked, "blocked"},
}};
}  // namespace

std::string_view to_string(AgentState state) noexcept {
  for (auto& [s, n] : kNames)
    if (s == state) return n;
  return "unknown";
}

std::optional<AgentState> agent_state_from_string(std::string_view name) noexcept {
  for (auto& [s, n] : kNames)
    if (n == name) return s;
  return std::nullopt;
}

}  // namespace agenthost::runtime
