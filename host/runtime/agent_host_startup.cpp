// AgentHost: start-up along the dependency graph (the control thread's half, and the start
// task that runs on the start pool).

#include <algorithm>
#include <set>
#include <utility>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "runtime/agent_host.hpp"

#include "supervision/crash_marker.hpp"
#include "runtime/agent_host_record.hpp"
#include "runtime/agent_starter.hpp"
#include "runtime/start_scheduler.hpp"

namespace agenthost::runtime {
namespace {

std::string format_duration(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return fmt::format("{}s", d.count() / 1000);
  return fmt::format("{}ms", d.count());
}

}  // namespace

std::function<void()> AgentHost::prepare_start(std::size_t node) {
  auto& r = records_[node];
  auto timeout = r.spec->start_timeout.value_or(config_.host.startup_timeout);
  r.task = std::make_shared<TaskRace>();
  r.deadline = std::chrono::steady_clock::now() + timeout;
  r.timings = {};
  r.timings.load_begin = now_ms();
  // Its endpoint exists from here on: calls to it queue until it is ready.
  auto endpoint = messaging_->endpoint(r.spec->name, r.spec->concurrency);
  endpoint->set_observer(metrics_.requests().observer_for(r.spec->name));
  endpoint->set_error_sink(&errors_);
  // The record says `loaded` from the moment loading begins: the timeout runs from here.
  transition_locked(r, AgentState::loaded, "");
  return [this, node, race = r.task, index = plugin_index_] { run_start(node, race, index); };
}

void AgentHost::run_start(std::size_t node, std::shared_ptr<TaskRace> race,
                          std::shared_ptr<const loader::PluginIndex> index) {
  // spec and logger do not change while the agent starts: read without the lock, which the
  // control thread may hold for a whole wave of launches.
  const config::AgentSpec& spec = *records_[node].spec;
  const std::shared_ptr<spdlog::logger> logger = records_[node].logger;
  auto observe = [&](AgentState phase, const std::string& file) {
    std::lock_guard lock(mu_);
    if (race->abandoned()) return;
    auto& r = records_[node];
    r.plugin_file = file;
    if (phase == AgentState::loaded) {
      r.timings.configure_begin = now_ms();
    } else if (phase == AgentState::starting) {  // configure() returned: start() begins
      transition_locked(r, AgentState::configured, "");
      r.timings.start_begin = now_ms();
      transition_locked(r, AgentState::starting, "");
    }
  };
  const std::string& machine = machine_ == "all" ? spec.machine : machine_;
  auto result = start_agent(spec, machine, *index, logger, plugins_, *messaging_,
                            metrics_.agent_families(), errors_, observe, process_supervision(node));

  if (!race->try_finish()) {
    // The control thread gave up on this start and marked the agent failed. If start() did
    // return after all, the agent runs: stop it, so no agent code is left running.
    if (auto* late = std::get_if<std::shared_ptr<AgentInstance>>(&result)) {
      spdlog::warn("agent {}: start() returned after its timeout; stopping it", spec.name);
      messaging_->agent_gone(spec.name, "its start timed out", config_.host.stop_timeout);
      try {
        supervision::AgentCodeScope in_agent(spec.name.c_str());
        (*late)->agent->stop();
      } catch (const std::exception& e) {
        spdlog::warn("agent {}: stop() threw: {}", spec.name, e.what());
      } catch (...) {
      }
    }
    result = StartFailure{};  // the instance is destroyed here, on this thread
    pool_.stuck_task_returned();
    return;
  }
  Outcome outcome{node, nullptr, std::nullopt};
  if (auto* ok = std::get_if<std::shared_ptr<AgentInstance>>(&result)) {
    outcome.instance = std::move(*ok);
  } else {
    auto& failure = std::get<StartFailure>(result);
    outcome.error = std::move(failure.message);
    std::lock_guard lock(mu_);
    if (!failure.plugin_file.empty()) records_[node].plugin_file = failure.plugin_file;
  }
  {
    std::lock_guard lock(mu_);
    outcomes_.push_back(std::move(outcome));
  }
  cv_.notify_all();
}

void AgentHost::fail_start_locked(StartScheduler& scheduler, std::size_t node, std::string reason) {
  auto& r = records_[node];
  r.task.reset();
  r.health = Health::unhealthy(reason);
  // The call that failed, for the error bus (the state-change line below logs the reason).
  const char* call = r.state == AgentState::starting ? "start"
                     : r.timings.configure_begin     ? "configure"
                                                     : "load";
  errors_.report(r.spec->name, call, Severity::error, reason, {}, false);
  // Calls to it are answered "not serving" from now on (a hung start keeps its thread).
  messaging_->agent_gone(r.spec->name, reason, std::chrono::milliseconds(0));
  transition_locked(r, AgentState::failed, std::move(reason));
  apply_blocks(scheduler.mark_failed(node));
}

void AgentHost::apply_blocks(const std::vector<StartScheduler::Blocked>& blocked) {
  for (auto [node, root] : blocked) {
    auto& r = records_[node];
    r.blocked_by = records_[root].spec->name;
    std::string via;
    for (const auto& d : r.spec->dependencies) {
      auto id = graph_->find(d.name);
      if (!id) continue;
      auto s = records_[*id].state;
      if (*id == root || s == AgentState::blocked) {
        via = d.name;
        break;
      }
    }
    std::string reason = via == r.blocked_by
                             ? fmt::format("dependency '{}' failed", r.blocked_by)
                             : fmt::format("needs '{}', which is blocked by failed agent '{}'",
                                           via, r.blocked_by);
    r.health = Health::unhealthy(reason);
    messaging_->close_unstarted(r.spec->name, fmt::format("blocked: {}", reason));
    transition_locked(r, AgentState::blocked, std::move(reason));
  }
}

void AgentHost::watch_remote_dependencies(StartScheduler& scheduler) {
  std::set<std::size_t> remote;
  for (std::size_t n = 0; n < records_.size(); ++n) {
    if (!records_[n].selected) continue;
    for (auto d : graph_->dependencies(n))
      if (!records_[d].selected) remote.insert(d);
  }
  if (remote.empty()) return;
  if (!config::learns_other_hosts(config_.host.registry)) {
    block_remote_dependents(scheduler,
                            "this host has no registry backend to learn about it (configure "
                            "host.registry with peers or etcd, or run every machine's agents with "
                            "--machine all)");
    return;
  }
  subscribe_remote_ready_locked(graph_);
  for (const auto& e : messaging_->registry().entries()) {
    auto id = graph_->find(e.agent);
    if (e.ready && id && remote.contains(*id)) remote_ready_.push_back(*id);
  }
  for (std::size_t n = 0; n < records_.size(); ++n) {
    auto& r = records_[n];
    if (!r.selected) continue;
    auto waiting = scheduler.waiting_on_remote(n);
    if (waiting.empty()) continue;
    const auto& dep = *records_[waiting.front()].spec;
    r.reason = fmt::format("waits for '{}' on machine '{}' (through the registry)", dep.name,
                           dep.machine);
  }
}

void AgentHost::subscribe_remote_ready_locked(std::shared_ptr<const graph::DependencyGraph> graph) {
  // Runs on the registry backend's thread. Entries of this host's own agents are published
  // with mu_ held: they return before taking it (`selected` does not change while starts run).
  registry_listener_ = messaging_->registry().subscribe([this, graph](const messaging::RegistryEntry& e) {
    if (!e.ready) return;
    auto id = graph->find(e.agent);
    if (!id || records_[*id].selected) return;
    {
      std::lock_guard lock(mu_);
      remote_ready_.push_back(*id);
    }
    cv_.notify_all();
  });
}

void AgentHost::settle_remote_dependencies_locked(StartScheduler& scheduler) {
  while (!remote_ready_.empty()) {
    auto node = remote_ready_.front();
    remote_ready_.pop_front();
    spdlog::info("agent {} on machine {} is ready (registry)", records_[node].spec->name,
                 records_[node].spec->machine);
    scheduler.mark_remote_ready(node);
  }
}

void AgentHost::block_remote_dependents(StartScheduler& scheduler, const std::string& why_unseen) {
  std::vector<StartScheduler::Blocked> cascade;
  for (std::size_t n = 0; n < records_.size(); ++n) {
    auto& r = records_[n];
    const auto state = scheduler.state(n);
    if (!r.selected || (state != StartScheduler::NodeState::waiting &&
                        state != StartScheduler::NodeState::eligible))
      continue;
    for (auto id : scheduler.waiting_on_remote(n)) {
      const auto& d = *records_[id].spec;
      std::string reason = fmt::format("depends on '{}' of machine '{}', which is not ready: {}",
                                       d.name, d.machine, why_unseen);
      r.health = Health::unhealthy(reason);
      r.blocked_by = d.name;
      transition_locked(r, AgentState::blocked, std::move(reason));
      messaging_->agent_gone(r.spec->name, r.reason, std::chrono::milliseconds(0));
      for (auto& b : scheduler.block(n))
        if (b.node != n) cascade.push_back(b);
      break;
    }
  }
  apply_blocks(cascade);
}

std::vector<double> AgentHost::start_priority() const {
  std::vector<double> weights(records_.size());
  for (std::size_t n = 0; n < records_.size(); ++n) {
    // +1 so that, without estimates, the longest chain by count still goes first.
    const auto& e = records_[n].spec->expected_start;
    weights[n] = (e ? double(e->count()) : 0.0) + 1.0;
  }
  return graph_->tail_lengths(weights);
}

void AgentHost::load_plugins() {
  if (prefetch_) return;
  prefetch_plugins(start_priority());
  // The first wave (agents without dependencies) is handed out at once when start-up begins:
  // its threads are made now, while the rest of the host is made, so that the first start of
  // the critical chain does not wait for one (it did, 0.5-0.9 ms, in the demo's timings).
  std::size_t first_wave = 0;
  for (std::size_t n = 0; n < records_.size(); ++n)
    first_wave += records_[n].selected && graph_->dependencies(n).empty();
  const auto parallelism = static_cast<std::size_t>(std::max(1, config_.host.startup_parallelism));
  pool_.prestart(1 + std::min(first_wave, parallelism));  // and the prefetch task's
}

bool AgentHost::drive_starts(std::unique_lock<std::mutex>& lock, StartScheduler& scheduler,
                             const std::atomic<bool>& stop_requested, const StartupProgressFn& on_progress,
                             std::optional<std::chrono::steady_clock::time_point> remote_wait_until,
                             std::function<void()> after_first_launch) {
  // A wave of agents settles within milliseconds: one report per wave at most.
  ProgressThrottle progress(std::chrono::milliseconds(100));
  auto progress_now = [&] {  // mu_ held
    StartupProgress p;
    for (const auto& r : records_) {
      if (!r.selected) continue;
      ++p.total;
      p.ready += r.state == AgentState::ready;
      p.failed += r.state == AgentState::failed;
      p.blocked += r.state == AgentState::blocked;
    }
    return p;
  };

  bool launching = true;
  bool remote_wait_over = !remote_wait_until;
  std::set<std::size_t> in_flight;  // nodes whose start task runs
  for (;;) {
    if (stop_requested.load()) launching = false;
    settle_remote_dependencies_locked(scheduler);
    if (!remote_wait_over && std::chrono::steady_clock::now() >= *remote_wait_until) {
      remote_wait_over = true;
      block_remote_dependents(
          scheduler, fmt::format("the registry did not report it ready within {} "
                                 "(host.startup.timeout)",
                                 format_duration(config_.host.startup_timeout)));
    }
    if (launching) {
      std::vector<std::function<void()>> starts;
      for (NodeId n : scheduler.take_startable()) {
        starts.push_back(prepare_start(n));
        in_flight.insert(n);
      }
      if (!starts.empty()) {
        // Handed to the pool without mu_: waking a start thread costs ~50 us in a VM, and
        // the first start (the longest chain's) must not wait for mu_ until the whole wave
        // has been handed out. Outcomes that arrive meanwhile wait in outcomes_.
        lock.unlock();
        for (auto& start : starts) pool_.submit(std::move(start));
        lock.lock();
      }
    }
    if (after_first_launch) std::exchange(after_first_launch, nullptr)();
    // After the launches: the next starts must not wait for a report. The last one is the
    // caller's (the summary).
    if (on_progress && !scheduler.finished()) {
      if (auto report = progress.take(progress_now(), std::chrono::steady_clock::now())) {
        lock.unlock();
        on_progress(*report);
        lock.lock();
      }
    }
    if (scheduler.finished() || (!launching && scheduler.in_flight() == 0)) break;

    auto wake = remote_wait_over ? std::chrono::steady_clock::time_point::max() : *remote_wait_until;
    for (auto n : in_flight) wake = std::min(wake, records_[n].deadline);
    if (auto due = progress.next_due()) wake = std::min(wake, *due);
    cv_.wait_until(lock, wake, [&] {
      return !outcomes_.empty() || !remote_ready_.empty() || (launching && stop_requested.load());
    });

    while (!outcomes_.empty()) {
      Outcome o = std::move(outcomes_.front());
      outcomes_.pop_front();
      auto& r = records_[o.node];
      r.task.reset();
      in_flight.erase(o.node);
      if (o.instance) {
        r.timings.ready_at = now_ms();
        r.instance = o.instance;
        r.health = Health::healthy("started; first health check pending");
        transition_locked(r, AgentState::ready, "");
        messaging_->agent_ready(r.spec->name);
        scheduler.mark_ready(o.node);
        health_.watch(o.node, std::move(o.instance));
      } else {
        fail_start_locked(scheduler, o.node, std::move(*o.error));
      }
    }

    const auto now = std::chrono::steady_clock::now();
    for (auto it = in_flight.begin(); it != in_flight.end();) {
      const std::size_t n = *it;
      auto& r = records_[n];
      if (now < r.deadline || !r.task->try_abandon()) {  // else its outcome is already queued
        ++it;
        continue;
      }
      it = in_flight.erase(it);
      pool_.compensate_for_stuck_task();
      auto timeout = r.spec->start_timeout.value_or(config_.host.startup_timeout);
      std::string reason = fmt::format(
          "{} did not finish within {} ({}; raise start_timeout if it needs longer)",
          r.state == AgentState::loaded && !r.timings.configure_begin ? "loading or the factory"
          : r.state == AgentState::loaded                              ? "configure()"
                                                                       : "start()",
          format_duration(timeout),
          r.spec->start_timeout ? "the agent's start_timeout" : "host.startup.timeout");
      fail_start_locked(scheduler, n, std::move(reason));
    }
  }

  return launching;
}

StartupSummary AgentHost::start_all(const std::atomic<bool>& stop_requested,
                                    const StartupProgressFn& on_progress,
                                    std::function<void()> beside_first_wave) {
  const double began_ms = now_ms();
  const auto priority = start_priority();
  StartScheduler scheduler(*graph_, selected_nodes(), priority,
                           options_.strategy.value_or(config_.host.startup_strategy),
                           config_.host.startup_parallelism);
  if (auto error = open()) spdlog::error("messaging: {}", *error);
  std::unique_lock lock(mu_);
  watch_remote_dependencies(scheduler);
  const auto remote_wait_until = std::chrono::steady_clock::now() + config_.host.startup_timeout;
  // Load the plugin files first, back to back, while nothing else runs: in a VM every
  // mmap/mprotect of dlopen costs a cross-CPU TLB flush when other threads of the process are
  // running, which made 1000 loads interleaved with starts take 1.7x as long. It delays the
  // first start by one load per distinct plugin (0.1-0.2 ms each). Bounded by the start
  // timeout: a plugin whose static initialiser hangs holds glibc's loader lock anyway, and
  // its agents' starts then time out one by one.
  cv_.wait_until(lock, std::chrono::steady_clock::now() + config_.host.startup_timeout,
                 [&] { return prefetch_done_ || stop_requested.load(); });
  // The agents' sockets are bound once the first wave has been handed out, in start order:
  // the first wave's beside their start() (its starts only reserve their ports), then those
  // of the agents that wait for dependencies. With the task queued ahead of the first wave,
  // the critical chain's first start waited 0.2-3.9 ms for a thread and its bind up to 2 ms
  // (6 instrumented runs; every later hop of the chain took < 0.1 ms).
  StartupSummary summary;
  // Then what the first starts need not wait for: the socket loop's threads (their sockets
  // are bound beside them), the health poller's threads (no agent is ready yet) and the
  // caller's set-up, while the first agents run their start().
  const bool launching = drive_starts(lock, scheduler, stop_requested, on_progress, remote_wait_until, [&] {
    bind_ahead_locked(start_order(priority));
    lock.unlock();
    messaging_->start_loop();
    health_.start();
    if (beside_first_wave) beside_first_wave();
    lock.lock();
  });
  end_bind_ahead(lock);

  for (auto& r : records_) {
    if (!r.selected) continue;
    summary.ready += r.state == AgentState::ready;
    summary.failed += r.state == AgentState::failed;
    summary.blocked += r.state == AgentState::blocked;
  }
  end_prefetch();
  if (registry_listener_) {
    messaging_->registry().unsubscribe(registry_listener_);
    registry_listener_ = 0;
  }
  remote_ready_.clear();
  summary.began_ms = began_ms;
  summary.interrupted = !launching;
  startup_finished_ = true;
  startup_completed_ = now_ms();
  summary.elapsed_s = *startup_completed_ / 1000.0;
  return summary;
}

}  // namespace agenthost::runtime
