#pragma once
// Brings one agent from its config to a started instance: find the plugin file, load it
// (through the cache), construct the agent, configure() it, start() it. Runs on a start
// thread; every exception from plugin code stops here and becomes a message.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "config/config_model.hpp"
#include "errors/error_bus.hpp"
#include "loader/plugin_cache.hpp"
#include "loader/plugin_index.hpp"
#include "messaging/messaging_host.hpp"
#include "observability/agent_metrics.hpp"
#include "process/process_agent.hpp"
#include "runtime/agent_instance.hpp"
#include "runtime/agent_state.hpp"

namespace agenthost::runtime {

struct StartFailure {
  std::string message;  // names the agent's plugin file and what to do
  std::string plugin_file;
};

// Told when the agent is `loaded` (constructed; configure() begins) and when it is
// `starting` (configure() returned; start() begins), with the resolved file.
using PhaseObserver = std::function<void(AgentState phase, const std::string& plugin_file)>;

// How the host runs an agent in a child process (`kind: process`, or `isolation: process`):
// its timings, what it is told when the program exits on its own once ready (on the child's
// watcher thread; must be quick), and, for an isolated plugin, the child agenthost that runs
// it (isolation/isolated_children.hpp) or why there can be none.
struct ProcessSupervision {
  process::ProcessTimings timings;
  process::ProcessAgent::ExitHook on_exit;
  std::function<std::variant<config::ProcessSpec, std::string>(const config::AgentSpec&)> isolated_child;
};

// A `kind: process` agent, or an isolated plugin (whose file is found but not loaded here),
// gets a process::ProcessAgent (with `process`) instead of a plugin's agent; everything else
// is the same.
std::variant<std::shared_ptr<AgentInstance>, StartFailure> start_agent(
    const config::AgentSpec& spec, const std::string& machine, const loader::PluginIndex& plugin_index,
    std::shared_ptr<spdlog::logger> logger, loader::PluginCache& plugins,
    messaging::MessagingHost& messaging, observability::AgentFamilies& metric_families, errors::ErrorBus& errors,
    const PhaseObserver& observe, const ProcessSupervision& process);

// Runs one call into plugin code; an exception becomes its message.
template <class Fn>
std::optional<std::string> guarded_call(Fn&& fn) {
  try {
    fn();
    return std::nullopt;
  } catch (const std::exception& e) {
    return std::string(e.what());
  } catch (...) {
    return std::string("an exception that is not a std::exception");
  }
}

// A hot reload's or a restart's new instance of a running agent, from `library` (a process
// agent: a new ProcessAgent with `process`): factory and configure() only. Its serve() calls are staged on the agent's endpoint (the old instance still serves)
// until AgentContextImpl::go_live(). An error says which call failed.
std::variant<std::shared_ptr<AgentInstance>, std::string> build_reload_instance(
    const config::AgentSpec& spec, const std::string& machine, std::shared_ptr<loader::PluginLibrary> library,
    std::shared_ptr<spdlog::logger> logger, messaging::MessagingHost& messaging,
    std::shared_ptr<messaging::AgentEndpoint> endpoint, observability::AgentFamilies& metric_families,
    errors::ErrorBus& errors, const ProcessSupervision& process);

}  // namespace agenthost::runtime
