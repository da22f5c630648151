#include "runtime/agent_starter.hpp"

#include "supervision/crash_marker.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "loader/plugin_locator.hpp"

namespace agenthost::runtime {
namespace {

template <class Fn>
std::optional<std::string> guarded(Fn&& fn) {
  return guarded_call(std::forward<Fn>(fn));
}

// Sets a process agent's program, or an isolated plugin's child agenthost, as the instance's
// agent; or says why it cannot run.
std::optional<std::string> set_process_agent(AgentInstance& instance, const config::AgentSpec& spec,
                                             std::shared_ptr<messaging::AgentEndpoint> endpoint,
                                             const ProcessSupervision& process) {
  config::ProcessSpec program = spec.process;
  if (spec.kind == config::AgentKind::plugin) {
    auto child = process.isolated_child(spec);
    if (auto* error = std::get_if<std::string>(&child)) return *error;
    program = std::get<config::ProcessSpec>(std::move(child));
  }
  auto agent = std::make_unique<process::ProcessAgent>(std::move(program), std::move(endpoint), process.timings);
  agent->set_exit_hook(process.on_exit);
  instance.agent = std::move(agent);
  return std::nullopt;
}

}  // namespace

std::variant<std::shared_ptr<AgentInstance>, StartFailure> start_agent(
    const config::AgentSpec& spec, const std::string& machine, const loader::PluginIndex& plugin_index,
    std::shared_ptr<spdlog::logger> logger, loader::PluginCache& plugins,
    messaging::MessagingHost& messaging, observability::AgentFamilies& metric_families, errors::ErrorBus& errors,
    const PhaseObserver& observe, const ProcessSupervision& process) {
  supervision::AgentCodeScope in_agent(spec.name.c_str());  // the plugin's static initialisers too
  const bool is_process = spec.kind == config::AgentKind::process;
  const bool isolated = spec.isolation == config::Isolation::process;
  std::string file;  // the plugin file; "" for a process agent
  std::shared_ptr<loader::PluginLibrary> library;
  if (!is_process) {
    auto path = plugin_index.find(spec.plugin);
    if (!path) {
      return StartFailure{fmt::format("plugin '{}' not found ({}; build it or fix host.plugin_dirs)", spec.plugin,
                                      loader::describe_plugin_search(plugin_index.plugin_dirs(), spec.plugin)),
                          ""};
    }
    file = path->string();
  }
  if (!is_process && !isolated) {  // an isolated plugin is loaded by its child only
    auto loaded = plugins.get(file);
    if (auto* error = std::get_if<std::string>(&loaded)) return StartFailure{*error, file};
    library = std::get<std::shared_ptr<loader::PluginLibrary>>(std::move(loaded));
  }
  const std::string what = is_process  ? fmt::format("program {}", spec.process.command)
                           : isolated ? fmt::format("plugin {}, isolated", file)
                                      : fmt::format("plugin {}", file);

  // The endpoint exists (held: calls queue up) before configure(), where agents serve();
  // its port is taken before the agent's code runs, so a taken port fails the agent, not the
  // host. Its ZeroMQ sockets are bound by the time it is ready: most were bound ahead, while
  // it waited for its dependencies; the first agents' are bound beside their start(), which
  // need not wait for them (nor for the socket loop's threads).
  auto endpoint = messaging.endpoint(spec.name, spec.concurrency);
  if (auto error = messaging.reserve(spec.name, spec.port, spec.port_auto)) {
    return StartFailure{*error, file};
  }
  // A failure below drops the instance: its handlers (plugin code) go before its library.
  // Its sockets are bound all the same (if not yet), so that its port answers 503 with why
  // rather than leaving callers connected to a listening socket nobody serves.
  auto fail = [&](std::string message) {
    (void)messaging.bind(spec.name, spec.port, spec.port_auto);
    messaging.agent_gone(spec.name, message, std::chrono::milliseconds(0));
    return StartFailure{std::move(message), file};
  };

  auto instance = std::make_shared<AgentInstance>();
  instance->library = std::move(library);
  instance->context = std::make_unique<AgentContextImpl>(
      spec.name, machine, YAML::Clone(spec.config), std::move(logger), messaging, endpoint,
      metric_families, errors);
  if (is_process || isolated) {
    if (auto error = set_process_agent(*instance, spec, endpoint, process)) return fail(*error);
  } else if (auto error = guarded([&] { instance->agent = instance->library->create_agent(); })) {
    return fail(fmt::format("the factory of {} threw: {}", file, *error));
  }
  observe(AgentState::loaded, file);
  if (auto error = guarded([&] { instance->agent->configure(*instance->context); })) {
    return fail(fmt::format("configure() threw: {} ({})", *error, what));
  }
  observe(AgentState::starting, file);
  if (auto error = guarded([&] { instance->agent->start(); })) {
    return fail(is_process || isolated ? fmt::format("{} ({})", *error, what)
                           : fmt::format("start() threw: {} ({})", *error, what));
  }
  if (auto error = messaging.bind(spec.name, spec.port, spec.port_auto)) {
    // Rare after reserve() (an ipc:// folder that went away): the agent runs, and must stop.
    if (auto stop_error = guarded([&] { instance->agent->stop(); }))
      spdlog::warn("agent {}: stop() threw: {}", spec.name, *stop_error);
    return fail(*error);
  }
  return instance;
}

std::variant<std::shared_ptr<AgentInstance>, std::string> build_reload_instance(
    const config::AgentSpec& spec, const std::string& machine, std::shared_ptr<loader::PluginLibrary> library,
    std::shared_ptr<spdlog::logger> logger, messaging::MessagingHost& messaging,
    std::shared_ptr<messaging::AgentEndpoint> endpoint, observability::AgentFamilies& metric_families,
    errors::ErrorBus& errors, const ProcessSupervision& process) {
  supervision::AgentCodeScope in_agent(spec.name.c_str());
  auto instance = std::make_shared<AgentInstance>();
  instance->library = std::move(library);
  instance->context = std::make_unique<AgentContextImpl>(spec.name, machine, YAML::Clone(spec.config),
                                                         std::move(logger), messaging, endpoint,
                                                         metric_families, errors);
  instance->context->stage_handlers();
  if (spec.runs_in_child()) {
    if (auto error = set_process_agent(*instance, spec, std::move(endpoint), process)) return *error;
  } else if (auto error = guarded([&] { instance->agent = instance->library->create_agent(); })) {
    return fmt::format("the factory threw: {}", *error);
  }
  if (auto error = guarded([&] { instance->agent->configure(*instance->context); })) {
    instance->context->endpoint().discard_staged();
    return fmt::format("configure() threw: {}", *error);
  }
  return instance;
}

}  // namespace agenthost::runtime
