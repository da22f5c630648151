#pragma once
// AgentHost's per-agent record. Private to the runtime; every field is guarded by
// AgentHost::mu_, except spec and logger, which are read without it: logger is set once when
// the record is made; spec is swapped (under mu_) only by a configuration reload that owns
// the agent, and old specs stay alive (AgentHost::spec_store_) for readers that still hold one.

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "agenthost/health.hpp"
#include "runtime/agent_host.hpp"
#include "supervision/restart_tracker.hpp"

namespace agenthost::runtime {

// The agent's current spec: an atomic pointer, so that a reload's swap never tears a read.
class SpecSlot {
 public:
  const config::AgentSpec* operator->() const { return p_.load(std::memory_order_acquire); }
  const config::AgentSpec& operator*() const { return *p_.load(std::memory_order_acquire); }
  const config::AgentSpec* get() const { return p_.load(std::memory_order_acquire); }
  void set(const config::AgentSpec* spec) { p_.store(spec, std::memory_order_release); }

 private:
  std::atomic<const config::AgentSpec*> p_{nullptr};
};

struct AgentHost::Record {
  SpecSlot spec;
  bool selected = false;  // run by this host
  bool removed = false;   // taken out by a configuration reload (the node stays, unselected)
  AgentState state = AgentState::pending;
  std::string reason;
  std::string blocked_by;
  double since_ms = 0;
  std::string plugin_file;
  Health health = Health::unhealthy("not started");
  bool health_degraded_by_remote = false;  // `health` says a dependency on another machine is away
  std::optional<double> health_at_ms;
  AgentTimings timings;
  std::uint32_t restarts = 0;
  bool reloading = false;  // a reload or a restart of it is queued (back-off) or running
  bool reload_again = false;  // its plugin file changed meanwhile: reloaded once that is over
  // Supervision (agent_host_restart.cpp): restart history, the unhealthy polls in a row, and
  // the library of an agent the supervisor failed (for `agentctl restart`).
  std::optional<supervision::RestartTracker> restart_tracker;
  int unhealthy_polls = 0;
  bool recovering = false;  // restarted; the back-off resets on its first healthy poll
  std::shared_ptr<loader::PluginLibrary> failed_library;  // null for a process agent
  bool failed_by_supervision = false;  // failed by the restart policy: `agentctl restart` may revive it
  std::shared_ptr<spdlog::logger> logger;  // set by the constructor, then immutable
  std::shared_ptr<AgentInstance> instance;  // while started
  // The start or stop task in flight, and when the control thread gives up on it.
  std::shared_ptr<TaskRace> task;
  std::chrono::steady_clock::time_point deadline;
};

}  // namespace agenthost::runtime
