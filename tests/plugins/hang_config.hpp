#pragma once
// Shared by the hang_* test plugins: how long to hang, from the agent's `config: { hang_ms }`
// (default one hour: longer than any test, so that only the host's deadline can end the wait).

#include <chrono>
#include <stdexcept>

#include <agenthost/agent_context.hpp>

namespace agenthost::test_plugins {

inline std::chrono::milliseconds read_hang_time(const AgentContext& ctx) {
  const YAML::Node node = ctx.config()["hang_ms"];
  if (!node) return std::chrono::hours(1);
  long long ms = -1;
  try {
    ms = node.as<long long>();
  } catch (const YAML::Exception&) {
  }
  if (ms < 0) throw std::invalid_argument("hang_ms must be an integer >= 0 (milliseconds)");
  return std::chrono::milliseconds(ms);
}

}  // namespace agenthost::test_plugins
