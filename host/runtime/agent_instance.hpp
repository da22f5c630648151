#pragma once
// One live agent: its plugin library, its context and the agent object.
//
// Member order is the ownership rule: members are destroyed in reverse order, so the agent
// goes first, then its context, and the library (its code) last. Whoever drops the last
// shared_ptr<AgentInstance> runs the agent's destructor: the host makes sure that is never
// the control thread.

#include <memory>

#include "agenthost/agent.hpp"
#include "loader/plugin_library.hpp"
#include "runtime/agent_context_impl.hpp"
#include "supervision/crash_marker.hpp"

namespace agenthost::runtime {

struct AgentInstance {
  std::shared_ptr<loader::PluginLibrary> library;
  std::unique_ptr<AgentContextImpl> context;
  std::unique_ptr<Agent> agent;

  // The agent's name, for crash quarantine's AgentCodeScope (nullptr without a context).
  const char* name() const noexcept { return context ? context->name().c_str() : nullptr; }

  // The agent's tasks first (API 1.6): they may use the agent, and they are the plugin's code.
  ~AgentInstance() {
    if (context) context->close_tasks();
    supervision::AgentCodeScope in_agent(name());
    agent.reset();
    context.reset();
  }
};

}  // namespace agenthost::runtime
