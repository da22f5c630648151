#include "control/startup_report.hpp"

#include <algorithm>
#include <optional>
#include <unordered_map>
#include <unordered_set>

namespace agenthost::control {
namespace {

using runtime::AgentSnapshot;
using runtime::HostMillis;
using runtime::HostSnapshot;

std::optional<HostMillis> own_duration(const AgentSnapshot& agent) {
  const auto& t = agent.timings;
  if (!t.load_begin || !t.ready_at) return std::nullopt;
  return std::max(0.0, *t.ready_at - *t.load_begin);
}

}  // namespace

std::vector<BlameEntry> blame(const HostSnapshot& snapshot) {
  std::vector<BlameEntry> out;
  for (const auto& agent : snapshot.agents) {
    if (auto duration = own_duration(agent))
      out.push_back({agent.name, *duration, *agent.timings.ready_at});
  }
  std::sort(out.begin(), out.end(), [](const BlameEntry& a, const BlameEntry& b) {
    if (a.duration_ms != b.duration_ms) return a.duration_ms > b.duration_ms;
    return a.name < b.name;
  });
  return out;
}

std::vector<ChainLink> critical_chain(const HostSnapshot& snapshot) {
  std::unordered_map<std::string_view, const AgentSnapshot*> by_name;
  for (const auto& agent : snapshot.agents) by_name.emplace(agent.name, &agent);

  // Ties (same ready time) go to the agent first in config order, so the chain is stable.
  auto later = [](const AgentSnapshot* best, const AgentSnapshot* candidate) {
    return best == nullptr || *candidate->timings.ready_at > *best->timings.ready_at;
  };

  const AgentSnapshot* current = nullptr;
  for (const auto& agent : snapshot.agents)
    if (agent.timings.ready_at && later(current, &agent)) current = &agent;

  std::vector<ChainLink> chain;
  // The graph is acyclic, but a snapshot parsed from JSON need not be: never loop.
  std::unordered_set<std::string_view> visited;
  while (current != nullptr && visited.insert(current->name).second) {
    chain.push_back({current->name, *current->timings.ready_at,
                     own_duration(*current).value_or(0.0)});
    const AgentSnapshot* next = nullptr;
    for (const auto& dependency : current->dependencies) {
      auto it = by_name.find(dependency);
      if (it == by_name.end() || !it->second->timings.ready_at) continue;
      if (later(next, it->second)) next = it->second;
    }
    current = next;
  }
  return chain;
}

std::vector<NotStarted> not_started(const HostSnapshot& snapshot) {
  std::vector<NotStarted> out;
  for (const auto& agent : snapshot.agents) {
    if (agent.state == runtime::AgentState::failed || agent.state == runtime::AgentState::blocked)
      out.push_back({agent.name, agent.state, agent.reason, agent.blocked_by});
  }
  return out;
}

std::string not_started_reason(const AgentSnapshot& agent) {
  if (agent.state != runtime::AgentState::blocked || agent.blocked_by.empty() ||
      agent.reason.find(agent.blocked_by) != std::string::npos)
    return agent.reason;
  const std::string blocker = "blocked by '" + agent.blocked_by + "'";
  return agent.reason.empty() ? blocker : agent.reason + " (" + blocker + ")";
}

nlohmann::json startup_report_json(const HostSnapshot& snapshot) {
  nlohmann::json blame_json = nlohmann::json::array();
  for (const auto& entry : blame(snapshot))
    blame_json.push_back(
        {{"name", entry.name}, {"duration_ms", entry.duration_ms}, {"ready_ms", entry.ready_at}});
  nlohmann::json chain_json = nlohmann::json::array();
  for (const auto& link : critical_chain(snapshot))
    chain_json.push_back(
        {{"name", link.name}, {"ready_ms", link.ready_at}, {"duration_ms", link.duration_ms}});
  nlohmann::json not_started_json = nlohmann::json::array();
  for (const auto& agent : not_started(snapshot))
    not_started_json.push_back({{"name", agent.name},
                                {"state", std::string(runtime::to_string(agent.state))},
                                {"reason", agent.reason},
                                {"blocked_by", agent.blocked_by}});
  return {{"blame", std::move(blame_json)},
          {"critical_chain", std::move(chain_json)},
          {"not_started", std::move(not_started_json)}};
}

}  // namespace agenthost::control
