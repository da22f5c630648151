// AgentHost: shutdown in reverse dependency order, in parallel where the graph allows.

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "runtime/agent_host.hpp"

#include "supervision/crash_marker.hpp"
#include "runtime/agent_host_record.hpp"

namespace agenthost::runtime {

void AgentHost::launch_stop(std::size_t node) {
  auto& r = records_[node];
  r.task = std::make_shared<TaskRace>();
  r.deadline = std::chrono::steady_clock::now() + config_.host.stop_timeout;
  transition_locked(r, AgentState::stopping, "");
  pool_.submit([this, node, race = r.task, instance = std::move(r.instance),
                name = r.spec->name]() mutable {
    // New calls are answered "not serving"; calls in flight finish before stop() runs.
    messaging_->agent_gone(name, "the agent is stopping", config_.host.stop_timeout);
    std::optional<std::string> error;
    try {
      supervision::AgentCodeScope in_agent(name.c_str());
      instance->agent->stop();
    } catch (const std::exception& e) {
      error = fmt::format("stop() threw: {}", e.what());
    } catch (...) {
      error = "stop() threw an unknown exception";
    }
    // Destroy the agent here, on a pool thread: its destructor is agent code too.
    instance.reset();
    if (!race->try_finish()) {
      pool_.stuck_task_returned();
      return;
    }
    {
      std::lock_guard lock(mu_);
      outcomes_.push_back({node, nullptr, std::move(error)});
    }
    cv_.notify_all();
  });
}

ShutdownSummary AgentHost::stop_all() {
  const double begin = now_ms();
  // No health() call may run concurrently with stop(): end polling first (this waits at most
  // one health timeout for calls in flight).
  ShutdownSummary summary;
  {
    // Reloads in flight finish first (each is bounded by its start and stop timeouts).
    std::unique_lock lock(mu_);
    reloads_closed_ = true;
    start_wave_stop_ = true;  // a reload's start wave launches nothing more
    cv_.notify_all();
    // Restarts waiting for their back-off never run: cancelling releases their slots. Without
    // mu_: a cancelled timer task takes it.
    lock.unlock();
    restart_timer_.cancel_all();
    lock.lock();
    cv_.wait(lock, [&] { return active_reloads_ == 0; });
  }
  {
    std::lock_guard serial(reconcile_mu_);  // a reload in flight has made its start wave
    if (start_wave_.joinable()) start_wave_.join();
  }
  const std::size_t hung_health_calls = health_.stop();

  std::unique_lock lock(mu_);
  // An agent stops once every started agent that depends on it has stopped.
  std::vector<std::size_t> running_dependents(records_.size(), 0);
  std::size_t remaining = 0;
  for (std::size_t n = 0; n < records_.size(); ++n) {
    if (!records_[n].instance) continue;
    ++remaining;
    for (auto d : graph_->dependencies(n))
      if (records_[d].instance) ++running_dependents[d];
  }
  for (std::size_t n = 0; n < records_.size(); ++n)
    if (records_[n].instance && running_dependents[n] == 0) launch_stop(n);

  auto finish = [&](std::size_t node) {
    --remaining;
    for (auto d : graph_->dependencies(node))
      if (records_[d].instance && --running_dependents[d] == 0) launch_stop(d);
  };

  while (remaining > 0) {
    auto wake = std::chrono::steady_clock::time_point::max();
    for (auto& r : records_)
      if (r.state == AgentState::stopping && r.task) wake = std::min(wake, r.deadline);
    cv_.wait_until(lock, wake, [&] { return !outcomes_.empty(); });

    while (!outcomes_.empty()) {
      Outcome o = std::move(outcomes_.front());
      outcomes_.pop_front();
      auto& r = records_[o.node];
      r.task.reset();
      if (o.error) errors_.report(r.spec->name, "stop", Severity::error, *o.error);
      r.health = Health::unhealthy("stopped");
      transition_locked(r, AgentState::stopped, o.error.value_or(""));
      ++summary.stopped;
      finish(o.node);
    }
    const auto now = std::chrono::steady_clock::now();
    for (std::size_t n = 0; n < records_.size(); ++n) {
      auto& r = records_[n];
      if (r.state != AgentState::stopping || !r.task || now < r.deadline) continue;
      if (!r.task->try_abandon()) continue;  // its outcome is already queued
      pool_.compensate_for_stuck_task();
      r.task.reset();
      r.health = Health::unhealthy("stop() hung");
      auto reason = fmt::format("stop() did not return within {} ms; left running", config_.host.stop_timeout.count());
      errors_.report(r.spec->name, "stop", Severity::error, reason, {}, false);
      transition_locked(r, AgentState::stopped, std::move(reason));
      ++summary.timed_out;
      finish(n);
    }
  }
  lock.unlock();
  stop_error_bus();
  isolated_->stop();  // its error collector uses messaging's context
  messaging_->stop();
  // Healthy workers are done within microseconds; a thread still busy after this grace is
  // inside a hung start() or stop().
  summary.threads_left_in_agent_code = pool_.shutdown(std::chrono::milliseconds(100)) + hung_health_calls;
  summary.elapsed_ms = now_ms() - begin;
  return summary;
}

}  // namespace agenthost::runtime
