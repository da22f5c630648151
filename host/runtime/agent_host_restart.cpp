// AgentHost: supervision of running agents — liveness, the restart policy (back-off, start
// limit) and `agentctl restart`. A restart reuses the reload's machinery: the endpoint stays
// bound and holds requests while the old instance stops and a fresh one starts from the same
// plugin library; dependents are not restarted, they hear a DependencyEvent.
//
// Who owns a restart: the `reloading` flag of the record and one count in active_reloads_,
// taken when a failure is seen (under mu_) and released by end_restart() when the restart has
// finished, has given up, or its back-off timer was cancelled by stop_all(). So stop_all()
// waits for restarts in flight, and at most one reload or restart runs per agent.

#include <future>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "runtime/agent_host.hpp"

#include "supervision/crash_marker.hpp"
#include "runtime/agent_host_record.hpp"
#include "runtime/agent_starter.hpp"

namespace agenthost::runtime {
namespace {

std::string seconds_text(std::chrono::milliseconds d) {
  if (d < std::chrono::seconds(1)) return fmt::format("{}ms", d.count());
  return fmt::format("{:.1f}s", double(d.count()) / 1000.0);
}

}  // namespace

supervision::RestartTracker& AgentHost::tracker_locked(std::size_t node) {
  auto& r = records_[node];
  if (!r.restart_tracker) r.restart_tracker.emplace(r.spec->restart_backoff, r.spec->start_limit);
  return *r.restart_tracker;
}

std::optional<std::string> AgentHost::restart_agent(std::string_view agent) {
  std::unique_lock lock(mu_);
  auto found = local_agent_locked(agent);
  if (auto* error = std::get_if<std::string>(&found)) return *error;
  const auto id = std::get<std::size_t>(found);
  auto& r = records_[id];
  if (r.reloading) return fmt::format("agent '{}' is being reloaded or restarted already (or waits for its back-off)", agent);
  const bool running = r.state == AgentState::ready && r.instance;
  const bool failed_by_supervision = r.state == AgentState::failed && r.failed_by_supervision;
  if (!running && !failed_by_supervision) {
    if (r.state == AgentState::failed || r.state == AgentState::blocked) {
      lock.unlock();
      return start_again(id);  // it failed (or was blocked) at start-up: start it like a new agent
    }
    return fmt::format("agent '{}' is {}: only a running, failed or blocked agent can be restarted", agent,
                       to_string(r.state));
  }
  tracker_locked(id).reset();  // the operator's way out of the start limit
  r.recovering = false;
  r.reloading = true;
  ++active_reloads_;
  lock.unlock();
  spdlog::info("agent {}: restart requested by an operator", agent);
  pool_.submit([this, node = id] { run_restart(node, "requested by an operator (agentctl restart)"); });
  return std::nullopt;
}

void AgentHost::agent_failed_locked(std::size_t node, std::string reason) {
  auto& r = records_[node];
  if (r.spec->restart == config::RestartPolicy::never) {
    give_up_locked(node, fmt::format("{} (restart: never)", reason));
    return;
  }
  auto decision = tracker_locked(node).on_failure(std::chrono::steady_clock::now());
  if (decision.give_up) {
    give_up_locked(node, fmt::format("{}; start limit hit: {} restarts within {} (start_limit) — `agentctl restart {}` "
                                     "tries again",
                                     reason, decision.restarts_in_interval, seconds_text(r.spec->start_limit.interval),
                                     r.spec->name));
    return;
  }
  schedule_restart_locked(node, decision.delay,
                          fmt::format("{} (restart {} of {} within {})", reason, decision.restarts_in_interval,
                                      r.spec->start_limit.burst, seconds_text(r.spec->start_limit.interval)));
}

void AgentHost::schedule_restart_locked(std::size_t node, std::chrono::milliseconds delay, std::string reason) {
  auto& r = records_[node];
  spdlog::warn("agent {}: restarting in {}: {}", r.spec->name, seconds_text(delay), reason);
  r.reason = fmt::format("restarting in {}: {}", seconds_text(delay), reason);
  publish_status_locked(r);
  // stop_all() sets reloads_closed_ under mu_ before it cancels the timers, and we hold mu_:
  // this task is either cancelled by it or runs, never both, never neither.
  restart_timer_.schedule(std::chrono::steady_clock::now() + delay,
                          [this, node, reason = std::move(reason)](bool cancelled) {
                            if (cancelled) end_restart(node);
                            else pool_.submit([this, node, reason] { run_restart(node, reason); });
                          });
}

void AgentHost::end_restart(std::size_t node) { end_reloading({node}); }

void AgentHost::run_restart(std::size_t node, std::string reason) {
  const config::AgentSpec& spec = *records_[node].spec;  // immutable, like logger
  const auto& logger = records_[node].logger;
  const std::string& machine = machine_ == "all" ? spec.machine : machine_;
  std::shared_ptr<AgentInstance> old;
  std::shared_ptr<loader::PluginLibrary> library;
  {
    std::lock_guard lock(mu_);
    auto& r = records_[node];
    if (reloads_closed_) {  // the host is stopping: nothing new starts
      r.reloading = false;
      --active_reloads_;
      cv_.notify_all();
      return;
    }
    old = r.instance;
    library = old ? old->library : r.failed_library;
    r.unhealthy_polls = 0;
    if (old) transition_locked(r, AgentState::stopping, fmt::format("restarting: {}", reason));
  }
  tell_dependents(node, DependencyEvent::Kind::restarting, reason);
  auto endpoint = messaging_->find_endpoint(spec.name);
  endpoint->hold();  // requests queue until the fresh instance is ready
  if (old) {
    health_.unwatch(node);
    if (!endpoint->wait_idle(config_.host.stop_timeout))
      spdlog::warn("agent {}: a request handler still runs {} ms into its restart; stopping it anyway", spec.name,
                   config_.host.stop_timeout.count());
    {
      std::lock_guard lock(mu_);
      records_[node].instance = nullptr;
    }
    endpoint->clear_handlers();  // the old instance's code: it goes with it
    if (auto error = stop_in_time(std::move(old)))
      errors_.report(spec.name, "stop", Severity::error, fmt::format("during a restart: {}", *error));
  }

  std::optional<std::string> error;
  std::shared_ptr<AgentInstance> fresh;
  {
    std::lock_guard lock(mu_);
    auto& r = records_[node];
    r.timings.start_begin = now_ms();
    transition_locked(r, AgentState::starting, fmt::format("restarting: {}", reason));
  }
  auto built = build_reload_instance(spec, machine, library, logger, *messaging_, endpoint, metrics_.agent_families(),
                                     errors_, process_supervision(node));
  if (auto* e = std::get_if<std::string>(&built)) error = *e;
  else {
    fresh = std::get<std::shared_ptr<AgentInstance>>(std::move(built));
    error = start_reloaded(node, fresh, std::nullopt);
  }
  if (error) {
    fresh.reset();
    messaging_->agent_gone(spec.name, fmt::format("its restart failed: {}", *error), std::chrono::milliseconds(0));
    const auto why = fmt::format("restart failed: {}", *error);
    errors_.report(spec.name, "restart", Severity::error, why, {}, false);
    std::lock_guard lock(mu_);
    auto& r = records_[node];
    r.failed_library = library;
    r.failed_by_supervision = true;
    r.health = Health::unhealthy(why);
    transition_locked(r, AgentState::failed, why);
    if (reloads_closed_) {
      r.reloading = false;
      --active_reloads_;
      cv_.notify_all();
    } else {
      agent_failed_locked(node, why);  // keeps the restart slot: the next attempt, or giving up
    }
    return;
  }
  {
    std::lock_guard lock(mu_);
    auto& r = records_[node];
    r.instance = fresh;
    r.failed_library = nullptr;
    r.failed_by_supervision = false;
    ++r.restarts;
    r.recovering = true;
    r.timings.ready_at = now_ms();
    r.health = Health::healthy("restarted; first health check pending");
    transition_locked(r, AgentState::ready, fmt::format("restarted ({})", reason));
  }
  messaging_->agent_ready(spec.name);  // the held requests run now, on the fresh instance
  health_.watch(node, fresh);
  spdlog::info("agent {}: restarted", spec.name);
  tell_dependents(node, DependencyEvent::Kind::restarted, reason);
  end_restart(node);
}

ProcessSupervision AgentHost::process_supervision(std::size_t node) {
  const auto& spec = *records_[node].spec;  // immutable
  return {{spec.start_timeout.value_or(config_.host.startup_timeout), config_.host.health_timeout},
          [this, node](const process::ExitStatus& status) { program_exited(node, status); },
          [this](const config::AgentSpec& agent) {
            return isolated_->child_spec(config_.host, machine_ == "all" ? agent.machine : machine_, agent,
                                        options_.default_log_level);
          }};
}

void AgentHost::program_exited(std::size_t node, const process::ExitStatus& status) {
  std::lock_guard lock(mu_);
  auto& r = records_[node];
  // The program already logged and reported its exit; a reload, restart or stop that owns the
  // agent, or a host that is stopping, has nothing to add. With `restart: never` it stays,
  // unhealthy, like any agent whose liveness fails.
  if (r.reloading || reloads_closed_ || r.state != AgentState::ready ||
      r.spec->restart == config::RestartPolicy::never)
    return;
  r.reloading = true;  // this restart's slot, released by end_restart()
  ++active_reloads_;
  agent_failed_locked(node, fmt::format("the program {}", status.describe()));
}

void AgentHost::give_up_locked(std::size_t node, std::string reason) {
  auto& r = records_[node];
  errors_.report(r.spec->name, "restart", Severity::critical, reason, {}, false);
  auto instance = std::move(r.instance);
  if (instance) r.failed_library = instance->library;
  r.failed_by_supervision = true;
  r.health = Health::unhealthy(reason);
  transition_locked(r, AgentState::failed, reason);
  // The rest runs agent code (stop(), the destructor, dependents' listeners): not under mu_,
  // and not on the health monitor's thread that may have called us.
  pool_.submit([this, node, instance = std::move(instance), reason = std::move(reason)]() mutable {
    const auto& name = records_[node].spec->name;
    if (instance) health_.unwatch(node);
    messaging_->agent_gone(name, reason, config_.host.stop_timeout);  // "not serving" from now on
    if (instance) {
      if (auto error = stop_in_time(std::move(instance))) errors_.report(name, "stop", Severity::error, *error);
    }
    tell_dependents(node, DependencyEvent::Kind::failed, reason);
    end_restart(node);
  });
}

std::optional<std::string> AgentHost::stop_in_time(std::shared_ptr<AgentInstance> instance) {
  auto outcome = std::make_shared<std::promise<std::optional<std::string>>>();
  auto result = outcome->get_future();
  auto race = std::make_shared<TaskRace>();
  pool_.submit([this, instance = std::move(instance), outcome, race]() mutable {
    supervision::AgentCodeScope in_agent(instance->name());
    auto error = guarded_call([&] { instance->agent->stop(); });
    instance.reset();  // the destructor is agent code too: on this thread
    if (race->try_finish()) outcome->set_value(std::move(error));
    else pool_.stuck_task_returned();
  });
  if (result.wait_for(config_.host.stop_timeout) == std::future_status::timeout && race->try_abandon()) {
    pool_.compensate_for_stuck_task();
    return fmt::format("stop() did not return within {} ms; left running", config_.host.stop_timeout.count());
  }
  if (auto error = result.get()) return fmt::format("stop() threw: {}", *error);
  return std::nullopt;
}

void AgentHost::tell_dependents(std::size_t node, DependencyEvent::Kind kind, const std::string& reason) {
  std::vector<std::pair<std::string, std::shared_ptr<AgentInstance>>> listeners;
  {
    std::lock_guard lock(mu_);
    for (auto d : graph_->dependents(node)) {
      const auto& r = records_[d];
      if (r.selected && r.instance && r.state == AgentState::ready) listeners.emplace_back(r.spec->name, r.instance);
    }
  }
  const DependencyEvent event{kind, records_[node].spec->name, reason};
  for (auto& [name, instance] : listeners) {
    supervision::AgentCodeScope in_agent(name.c_str());
    if (auto error = guarded_call([&] { instance->context->tell_dependency_event(event); }))
      errors_.report(name, "dependency_event", Severity::error,
                     fmt::format("its dependency listener threw on '{}' {}: {}", event.agent, to_string(kind), *error));
  }
}

}  // namespace agenthost::runtime
