#include "runtime/agent_starter.hpp"

#include <fmt/format.h>

#include "loader/plugin_locator.hpp"

namespace agenthost::runtime {
namespace {

template <class Fn>
std::optional<std::string> guarded(Fn&& fn) {
  return guarded_call(std::forward<Fn>(fn));
}

std::unique_ptr<process::ProcessAgent> make_process_agent(const config::AgentSpec& spec,
                                                          std::shared_ptr<messaging::AgentEndpoint> endpoint,
                                                          const ProcessSupervision& process) {
  auto agent = std::make_unique<process::ProcessAgent>(spec.process, std::move(endpoint), process.timings);
  agent->set_exit_hook(process.on_exit);
  return agent;
}

}  // namespace

std::variant<std::shared_ptr<AgentInstance>, StartFailure> start_agent(
    const config::AgentSpec& spec, const std::string& machine, const loader::PluginIndex& plugin_index,
    std::shared_ptr<spdlog::logger> logger, loader::PluginCache& plugins,
    messaging::MessagingHost& messaging, observability::AgentFamilies& metric_families, errors::ErrorBus& errors,
    const PhaseObserver& observe, const ProcessSupervision& process) {
  const bool is_process = spec.kind == config::AgentKind::process;
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
    auto loaded = plugins.get(*path);
    if (auto* error = std::get_if<std::string>(&loaded)) return StartFailure{*error, file};
    library = std::get<std::shared_ptr<loader::PluginLibrary>>(std::move(loaded));
  }
  const std::string what = is_process ? fmt::format("program {}", spec.process.command) : fmt::format("plugin {}", file);

  // The endpoint exists (held: calls queue up) before configure(), where agents serve();
  // its sockets are bound before start(), so a taken port fails the agent, not the host.
  auto endpoint = messaging.endpoint(spec.name, spec.concurrency);
  if (auto error = messaging.bind(spec.name, spec.port, spec.port_auto)) {
    return StartFailure{*error, file};
  }
  // A failure below drops the instance: its handlers (plugin code) go before its library.
  auto fail = [&](std::string message) {
    messaging.agent_gone(spec.name, message, std::chrono::milliseconds(0));
    return StartFailure{std::move(message), file};
  };

  auto instance = std::make_shared<AgentInstance>();
  instance->library = std::move(library);
  instance->context = std::make_unique<AgentContextImpl>(
      spec.name, machine, YAML::Clone(spec.config), std::move(logger), messaging, endpoint,
      metric_families, errors);
  if (is_process) {
    instance->agent = make_process_agent(spec, endpoint, process);
  } else if (auto error = guarded([&] { instance->agent = instance->library->create_agent(); })) {
    return fail(fmt::format("the factory of {} threw: {}", file, *error));
  }
  observe(AgentState::loaded, file);
  if (auto error = guarded([&] { instance->agent->configure(*instance->context); })) {
    return fail(fmt::format("configure() threw: {} ({})", *error, what));
  }
  observe(AgentState::starting, file);
  if (auto error = guarded([&] { instance->agent->start(); })) {
    return fail(is_process ? fmt::format("{} ({})", *error, what)
                           : fmt::format("start() threw: {} ({})", *error, what));
  }
  return instance;
}

std::variant<std::shared_ptr<AgentInstance>, std::string> build_reload_instance(
    const config::AgentSpec& spec, const std::string& machine, std::shared_ptr<loader::PluginLibrary> library,
    std::shared_ptr<spdlog::logger> logger, messaging::MessagingHost& messaging,
    std::shared_ptr<messaging::AgentEndpoint> endpoint, observability::AgentFamilies& metric_families,
    errors::ErrorBus& errors, const ProcessSupervision& process) {
  auto instance = std::make_shared<AgentInstance>();
  instance->library = std::move(library);
  instance->context = std::make_unique<AgentContextImpl>(spec.name, machine, YAML::Clone(spec.config),
                                                         std::move(logger), messaging, endpoint,
                                                         metric_families, errors);
  instance->context->stage_handlers();
  if (spec.kind == config::AgentKind::process) {
    instance->agent = make_process_agent(spec, std::move(endpoint), process);
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
