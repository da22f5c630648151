// AgentHost: hot reload of running agents from a changed plugin file, with state handoff and
// rollback (the sequence is documented on Agent::snapshot() in plugin-api/agent.hpp).

#include <future>
#include <set>
#include <utility>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "loader/shadow_library.hpp"

#include "supervision/crash_marker.hpp"
#include "runtime/agent_host.hpp"
#include "runtime/agent_host_record.hpp"
#include "runtime/agent_starter.hpp"

namespace agenthost::runtime {
namespace {

constexpr std::uint32_t kFirstMinorWithReload = 4;

bool same_file(const std::filesystem::path& a, const std::filesystem::path& b) {
  return a.lexically_normal() == b.lexically_normal();
}

}  // namespace

std::vector<std::filesystem::path> AgentHost::plugin_dirs() const {
  std::vector<std::filesystem::path> dirs;
  for (const auto& dir : config_.host.plugin_dirs) {
    std::error_code ec;
    if (std::filesystem::is_directory(dir, ec)) dirs.emplace_back(dir);
  }
  return dirs;
}

std::optional<std::string> AgentHost::reload_agent(std::string_view agent) {
  std::unique_lock lock(mu_);
  auto found = local_agent_locked(agent);
  if (auto* error = std::get_if<std::string>(&found)) return *error;
  const auto id = std::get<std::size_t>(found);
  auto& r = records_[id];
  if (r.reloading) return fmt::format("agent '{}' is being reloaded already", agent);
  if (r.spec->kind == config::AgentKind::process)
    return fmt::format("agent '{}' is a process agent: it has no plugin to reload", agent);
  if (r.spec->isolation == config::Isolation::process)
    return fmt::format("agent '{}' runs isolated: its own process reloads it when its plugin file changes "
                       "(agentctl restart {} starts a new process)",
                       agent, agent);
  if (r.state != AgentState::ready || !r.instance)
    return fmt::format("agent '{}' is {}, not ready: only a running agent can be reloaded", agent, to_string(r.state));
  r.reloading = true;
  ++active_reloads_;
  std::filesystem::path file = r.plugin_file;
  lock.unlock();
  pool_.submit([this, node = id, file] { run_reload({node}, file); });
  return std::nullopt;
}

void AgentHost::plugin_file_changed(const std::filesystem::path& file) {
  std::vector<std::size_t> nodes;
  {
    std::lock_guard lock(mu_);
    if (reloads_closed_) return;
    for (std::size_t n = 0; n < records_.size(); ++n) {
      auto& r = records_[n];
      if (!r.selected || r.removed || !same_file(r.plugin_file, file)) continue;
      if (r.spec->isolation == config::Isolation::process) continue;  // its child reloads it
      if (r.reloading) {
        r.reload_again = true;  // after the reload, restart or reconfiguration that owns it
        continue;
      }
      if (r.state != AgentState::ready || !r.instance) continue;
      r.reloading = true;
      nodes.push_back(n);
    }
    if (nodes.empty()) return;
    ++active_reloads_;
  }
  spdlog::info("plugin {} changed: reloading {} agent{}", file.string(), nodes.size(), nodes.size() == 1 ? "" : "s");
  pool_.submit([this, nodes = std::move(nodes), file] { run_reload(nodes, file); });
}

std::variant<std::shared_ptr<loader::PluginLibrary>, std::string> AgentHost::load_fresh_copy(
    const std::filesystem::path& file) {
  std::filesystem::path shadow_dir;
  std::uint64_t generation = 0;
  {
    std::lock_guard lock(mu_);
    if (shadow_dir_.empty()) shadow_dir_ = loader::make_shadow_dir();
    shadow_dir = shadow_dir_;
    generation = ++reload_generation_;
  }
  return loader::load_shadow_copy(file, shadow_dir, generation);
}

void AgentHost::run_reload(std::vector<std::size_t> nodes, std::filesystem::path file) {
  auto loaded = load_fresh_copy(file);
  std::set<std::filesystem::path> old_libraries;
  if (auto* error = std::get_if<std::string>(&loaded)) {
    for (auto node : nodes) {
      const auto& name = records_[node].spec->name;
      errors_.report(name, "reload", Severity::error,
                     fmt::format("reload refused: {}; the previous code keeps serving", *error));
    }
  } else {
    auto library = std::get<std::shared_ptr<loader::PluginLibrary>>(std::move(loaded));
    for (auto node : nodes) {
      if (auto old = reload_one(node, library)) old_libraries.insert(*old);
    }
  }
  // Every agent has switched: the old code should be unmapped now, unless an agent that was
  // not reloaded (not ready, say) still runs it.
  for (const auto& old : old_libraries) {
    bool in_use = false;
    {
      std::lock_guard lock(mu_);
      for (const auto& r : records_) in_use |= r.instance && r.instance->library && r.instance->library->path() == old;
    }
    if (!in_use) warn_if_still_mapped(old);
  }
  end_reloading(nodes);
}

void AgentHost::end_reloading(const std::vector<std::size_t>& nodes) {
  std::set<std::filesystem::path> again;
  {
    std::lock_guard lock(mu_);
    for (auto node : nodes) {
      auto& r = records_[node];
      r.reloading = false;
      if (std::exchange(r.reload_again, false)) again.insert(r.plugin_file);
    }
    --active_reloads_;
  }
  cv_.notify_all();
  // A file that landed while the agent was busy is not lost (a 20 ms debounce makes that
  // likely for a deployment that copies twice, or a test that replaces files back to back).
  for (const auto& file : again) plugin_file_changed(file);
}

std::optional<std::filesystem::path> AgentHost::reload_one(std::size_t node,
                                                           const std::shared_ptr<loader::PluginLibrary>& library,
                                                           const config::AgentSpec* next_spec,
                                                           const std::filesystem::path& next_file) {
  // The record's spec changes only when this reload commits (we own the agent: `reloading`).
  const config::AgentSpec& old_spec = *records_[node].spec;
  const config::AgentSpec& spec = next_spec ? *next_spec : old_spec;
  const auto& logger = records_[node].logger;
  const std::string& machine = machine_ == "all" ? spec.machine : machine_;
  std::shared_ptr<AgentInstance> old;
  std::string file;
  {
    std::lock_guard lock(mu_);
    auto& r = records_[node];
    if (r.state != AgentState::ready || !r.instance) return std::nullopt;  // it stopped meanwhile
    old = r.instance;
    file = next_file.empty() ? r.plugin_file : next_file.string();
  }
  auto endpoint = messaging_->find_endpoint(spec.name);
  auto refuse = [&](const std::string& why) {
    errors_.report(spec.name, "reload", Severity::error,
                   fmt::format("reload from {} refused: {}; the previous code keeps serving", file, why));
    return std::nullopt;
  };

  // 1. The new instance, configured, while the old one serves.
  auto built = build_reload_instance(spec, machine, library, logger, *messaging_, endpoint, metrics_.agent_families(),
                                     errors_, process_supervision(node));
  if (auto* error = std::get_if<std::string>(&built)) return refuse(*error);
  auto fresh = std::get<std::shared_ptr<AgentInstance>>(std::move(built));

  // 2. Hold requests, wait for running handlers, take the old instance's state, stop it.
  endpoint->hold();
  if (!endpoint->wait_idle(config_.host.stop_timeout)) {
    endpoint->discard_staged();
    endpoint->open();
    return refuse(fmt::format("its handlers were still running after {} ms", config_.host.stop_timeout.count()));
  }
  health_.unwatch(node);
  std::string state;
  if (old->library->abi().api_minor >= kFirstMinorWithReload) {
    supervision::AgentCodeScope in_agent(old->name());
    if (auto error = guarded_call([&] { state = old->agent->snapshot(); })) {
      endpoint->discard_staged();
      endpoint->open();
      health_.watch(node, old);
      return refuse(fmt::format("snapshot() of the running instance threw: {}", *error));
    }
  }
  const auto old_library = old->library;  // stays for a rollback
  const auto old_path = old_library->path();
  // Bounded like a restart's stop; the agent object and its context go with it, on its thread.
  if (auto error = stop_in_time(std::move(old)))
    errors_.report(spec.name, "stop", Severity::error, fmt::format("during a reload: {}", *error));

  // 3. The new instance takes over, or the previous code comes back with the same state.
  auto error = start_reloaded(node, fresh, state);
  if (!error) {
    commit_reload(node, std::move(fresh),
                  fmt::format("{} from {}", next_spec ? "reconfigured" : "reloaded", file), next_spec, next_file);
    spdlog::info("agent {}: reloaded from {} (held requests go to the new code)", spec.name, file);
    return old_path;
  }
  fresh.reset();
  errors_.report(spec.name, "reload", Severity::error,
                 fmt::format("reload from {} failed: {}; going back to the previous code", file, *error));
  auto rebuilt = build_reload_instance(old_spec, machine, old_library, logger, *messaging_, endpoint,
                                       metrics_.agent_families(), errors_, process_supervision(node));
  std::optional<std::string> back_error;
  if (auto* e = std::get_if<std::string>(&rebuilt)) back_error = *e;
  std::shared_ptr<AgentInstance> back;
  if (!back_error) {
    back = std::get<std::shared_ptr<AgentInstance>>(std::move(rebuilt));
    back_error = start_reloaded(node, back, state);
  }
  if (!back_error) {
    commit_reload(node, std::move(back), fmt::format("reload from {} failed: {}; running the previous code", file, *error));
    return std::nullopt;
  }
  // Neither the new nor the old code runs: the agent has failed.
  const std::string reason = fmt::format("reload failed ({}), and the previous code did not start again ({})",
                                         *error, *back_error);
  errors_.report(spec.name, "reload", Severity::critical, reason, {}, false);
  back.reset();
  messaging_->agent_gone(spec.name, reason, std::chrono::milliseconds(0));
  std::lock_guard lock(mu_);
  auto& r = records_[node];
  r.instance = nullptr;
  r.health = Health::unhealthy(reason);
  transition_locked(r, AgentState::failed, reason);
  return std::nullopt;
}

std::optional<std::string> AgentHost::start_reloaded(std::size_t node, const std::shared_ptr<AgentInstance>& instance,
                                                     const std::optional<std::string>& state) {
  const auto& spec = *records_[node].spec;
  supervision::AgentCodeScope in_agent(spec.name.c_str());
  instance->context->go_live();  // requests are held: nothing runs the new handlers yet
  if (state && instance->library->abi().api_minor >= kFirstMinorWithReload) {
    if (auto error = guarded_call([&] { instance->agent->restore(*state); }))
      return fmt::format("restore() threw: {}", *error);
  }
  // start() on a start thread of its own, so that one that hangs can be given up on.
  auto outcome = std::make_shared<std::promise<std::optional<std::string>>>();
  auto result = outcome->get_future();
  auto race = std::make_shared<TaskRace>();
  pool_.submit([this, instance, outcome, race] {
    supervision::AgentCodeScope in_agent(instance->name());
    auto error = guarded_call([&] { instance->agent->start(); });
    if (race->try_finish()) {
      outcome->set_value(std::move(error));
      return;
    }
    // Given up on: if it did start after all, stop it, so that no code of it keeps running.
    if (!error) guarded_call([&] { instance->agent->stop(); });
    pool_.stuck_task_returned();
  });
  const auto timeout = spec.start_timeout.value_or(config_.host.startup_timeout);
  if (result.wait_for(timeout) == std::future_status::timeout && race->try_abandon()) {
    pool_.compensate_for_stuck_task();
    return fmt::format("start() did not return within {} ms", timeout.count());
  }
  if (auto error = result.get()) return fmt::format("start() threw: {}", *error);
  return std::nullopt;
}

void AgentHost::commit_reload(std::size_t node, std::shared_ptr<AgentInstance> instance, std::string reason,
                              const config::AgentSpec* next_spec, const std::filesystem::path& next_file) {
  auto endpoint = messaging_->find_endpoint(records_[node].spec->name);
  {
    std::lock_guard lock(mu_);
    auto& r = records_[node];
    r.instance = instance;
    if (next_spec) {
      r.spec.set(next_spec);
      r.logger->set_level(next_spec->log_level.value_or(options_.default_log_level));
      r.restart_tracker.reset();
    }
    if (!next_file.empty()) r.plugin_file = next_file.string();
    r.reason = std::move(reason);
    r.health = Health::healthy("reloaded; first health check pending");
    publish_status_locked(r);
  }
  endpoint->open();  // the held requests run now, on the new code
  health_.watch(node, std::move(instance));
}

void AgentHost::warn_if_still_mapped(const std::filesystem::path& old_library) {
  if (!loader::still_mapped(old_library)) {
    spdlog::debug("plugin {}: the previous code is unloaded", old_library.string());
    return;
  }
  spdlog::warn("plugin {}: the previous code is still mapped after the reload: something keeps it loaded — a "
               "STB_GNU_UNIQUE symbol (build plugins with agenthost_add_plugin, which passes -fno-gnu-unique), a "
               "thread_local with a destructor, or a thread the old code left running; each reload of it will "
               "add another copy",
               old_library.string());
}

}  // namespace agenthost::runtime
