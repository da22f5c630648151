#pragma once
// The runtime of one host: its agents' records, start-up along the dependency graph,
// health, shutdown in reverse dependency order.
//
// Threads:
// - the control thread calls start_all() and stop_all(); it runs the schedulers and never
//   calls agent code;
// - start threads (a pool of host.startup.parallelism) run load/configure/start and stop;
// - the health monitor's threads run health();
// - snapshot() may be called from any thread (the control socket's, say).
// Every record is guarded by mu_. Agent code is never called with mu_ held.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <variant>
#include <string>
#include <thread>
#include <vector>

#include <spdlog/logger.h>

#include "config/config_model.hpp"
#include "graph/dependency_graph.hpp"
#include "health/health_monitor.hpp"
#include "loader/plugin_cache.hpp"
#include "loader/plugin_index.hpp"
#include "loader/plugin_prefetch.hpp"
#include "errors/error_bus.hpp"
#include "errors/error_collector.hpp"
#include "errors/error_forwarder.hpp"
#include "isolation/isolated_children.hpp"
#include "messaging/messaging_host.hpp"
#include "observability/host_metrics.hpp"
#include "observability/log_settings.hpp"
#include "runtime/agent_instance.hpp"
#include "runtime/agent_starter.hpp"
#include "runtime/host_snapshot.hpp"
#include "runtime/start_scheduler.hpp"
#include "runtime/startup_progress.hpp"
#include "runtime/stable_list.hpp"
#include "runtime/task_race.hpp"
#include "runtime/thread_pool.hpp"
#include "agenthost/dependency_event.hpp"
#include "reload/config_diff.hpp"
#include "supervision/crash_quarantine.hpp"
#include "supervision/delayed_tasks.hpp"
#include "supervision/restart_tracker.hpp"

namespace agenthost::runtime {

struct HostOptions {
  std::string machine;  // which machine's agents to run; "all" runs every machine's
  std::optional<config::StartStrategy> strategy;  // overrides host.startup.strategy
  std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
  std::vector<spdlog::sink_ptr> log_sinks;  // the sinks agent loggers write to
  // The level of agents without their own log_level: the host's (host.log.level or --log-level).
  observability::LogLevel default_log_level = observability::LogLevel::info;
  // Crash quarantine: agents whose code crashed the host before (read from `quarantine_file`)
  // run isolated, in this configuration and in every one a reload brings.
  std::map<std::string, supervision::Crash> quarantine;
  std::string quarantine_file;
  // In the child of an isolated agent: the folder its host links it through. Its agent is
  // also bound there, the host's agents are called there, and error events go there.
  std::string isolated_child_dir;
};

struct StartupSummary {
  std::size_t ready = 0, failed = 0, blocked = 0;
  double elapsed_s = 0;  // since HostOptions::t0
  double began_ms = 0;   // when start_all() began, since HostOptions::t0
  bool interrupted = false;
};

// What a configuration reload did, or why it changed nothing.
struct ReconcileResult {
  std::vector<std::string> errors;    // non-empty: nothing was changed
  std::vector<std::string> warnings;  // host.* settings that need a restart of the host, ...
  std::vector<std::string> added, removed, reconfigured, replaced;  // this host's agents
  std::vector<std::string> retried;  // failed for want of their plugin file, which is there now
  bool changed() const {
    return !added.empty() || !removed.empty() || !reconfigured.empty() || !replaced.empty() || !retried.empty();
  }
};

struct ShutdownSummary {
  std::size_t stopped = 0, timed_out = 0;
  double elapsed_ms = 0;
  std::size_t threads_left_in_agent_code = 0;  // hung starts/stops/health calls
};

class AgentHost {
 public:
  // `config` must be valid (checked: no cycles, no duplicate names, known dependencies).
  // Begins loading the agents' plugin files on a start thread at once, so that they load
  // while the rest of the host is made (ZeroMQ's context alone takes ~1 ms in a small VM).
  AgentHost(config::ClusterConfig config, HostOptions options);
  ~AgentHost();
  AgentHost(const AgentHost&) = delete;
  AgentHost& operator=(const AgentHost&) = delete;

  // Control thread, before start_all(): starts messaging (the registry backend; the socket
  // loop takes binds, and its threads are made beside the first starts). An error names
  // what could not be bound; start_all() does this itself if needed.
  std::optional<std::string> open();

  // Control thread. Returns when every agent of this host is ready, failed or blocked, or
  // early (after the starts in flight have settled) once `stop_requested` is set. An agent
  // that depends on an agent of another machine waits until the registry says that one is
  // ready, for at most host.startup.timeout. `on_progress` (optional) hears how far it has
  // got, at most every 100 ms and only when something changed. `beside_first_wave`
  // (optional) runs once on this thread, without the runtime's lock, as soon as the first
  // agents' starts have been handed out: the caller's own set-up that agents need not wait for.
  StartupSummary start_all(const std::atomic<bool>& stop_requested,
                           const StartupProgressFn& on_progress = {},
                           std::function<void()> beside_first_wave = {});

  // Control thread. Stops every started agent, dependents before their dependencies, in
  // parallel where the graph allows; each stop() gets host.startup.stop_timeout.
  // When threads are left inside agent code (a start, stop or health() that never
  // returned), they still reference this object: the process must then end with
  // std::_Exit rather than destroy it.
  ShutdownSummary stop_all();

  HostSnapshot snapshot() const;  // any thread

  // --- hot reload (agent_host_reload.cpp) ---
  // Any thread. Reloads `agent` from its plugin file as it is on disk now: a fresh copy is
  // loaded, the new instance gets the old one's snapshot(), its requests are held meanwhile;
  // on any failure the previous code keeps serving. Runs on a start thread and returns at
  // once: an error when it cannot begin (unknown agent, not running here, not ready).
  std::optional<std::string> reload_agent(std::string_view agent);
  // Any thread (the plugin watcher): `file` was written or replaced. Every ready agent of
  // this host that runs it is reloaded, one after the other, from one load of the new file.
  void plugin_file_changed(const std::filesystem::path& file);
  // The folders to watch for plugin files (host.plugin_dirs that exist).
  std::vector<std::filesystem::path> plugin_dirs() const;

  // --- configuration reload (agent_host_reconcile.cpp) ---
  // Any thread (SIGHUP, `agentctl reload`, a drop-in that came or went); one at a time.
  // `next` is the whole configuration re-read and valid. Agents that did not change are not
  // touched; removed ones stop (refused, changing nothing, while running agents that stay
  // depend on them, unless `force`); changed ones are hot-reloaded with their new settings
  // (config, plugin) or have them applied in place (log level, supervision, dependencies),
  // or are stopped and started anew (kind, process); added ones start once their
  // dependencies are ready, on a thread of their own: this returns when they are launched.
  // Refused during start-up and shutdown.
  ReconcileResult reconcile(config::ClusterConfig next, bool force);
  // Any thread (`agentctl release`): `agent` leaves crash quarantine — its lines leave the
  // quarantine file, and the next reconcile() no longer isolates it (the caller reloads the
  // configuration to bring it back into this process). An error when it is not quarantined.
  std::optional<std::string> release_quarantine(const std::string& agent);
  // Any thread: some agent of this host failed because its plugin file was not found (a
  // reload started it before its plugin came). The next reload starts it again.
  bool agents_missing_plugins() const;

  // --- supervision (agent_host_restart.cpp) ---
  // Any thread (`agentctl restart`). Restarts `agent` now with a fresh instance from its
  // plugin, and clears its restart history and start limit: the way back for an agent the
  // start limit failed. Runs on a start thread and returns at once: an error when it cannot
  // begin (unknown, not here, failed at start-up, being reloaded or restarted already).
  std::optional<std::string> restart_agent(std::string_view agent);

  // Any thread. Sets the level of an agent's logger, or of the host's own (spdlog's default
  // logger) for "agenthost"; the change holds until the next change or the end of the process.
  // An agent of another machine, or an unknown name, is an error.
  observability::LogLevelChange set_log_level(std::string_view logger, observability::LogLevel level);

  messaging::MessagingHost& messaging() { return *messaging_; }
  observability::HostMetrics& metrics() { return metrics_; }
  errors::ErrorBus& errors() { return errors_; }

  // Wakes a control thread blocked in start_all() (after setting its stop flag).
  void wake();

 private:
  struct Record;
  struct Outcome {  // a start or stop task's result, handed to the control thread
    std::size_t node;
    std::shared_ptr<AgentInstance> instance;  // set for a successful start
    std::optional<std::string> error;
  };

  double now_ms() const;
  std::optional<std::string> open_error_bus();  // host.error_bus.listen and forward_to
  void stop_error_bus();
  void transition_locked(Record& r, AgentState to, std::string reason);
  // A new record's spec, selection and logger (a reload's revived record keeps its logger).
  void init_record(Record& r, const config::AgentSpec* spec);
  // Marks the start of `node` as begun (mu_ held) and returns the task that runs it.
  std::function<void()> prepare_start(std::size_t node);
  void run_start(std::size_t node, std::shared_ptr<TaskRace> race, std::shared_ptr<const loader::PluginIndex> index);
  void launch_stop(std::size_t node);
  // Reloads: the task, one agent's switch, and the steps it shares with its rollback.
  void run_reload(std::vector<std::size_t> nodes, std::filesystem::path file);
  // Ends a reload's, restart's or reconfiguration's hold on `nodes` (their `reloading` and one
  // count of active_reloads_), then reloads those whose file changed meanwhile.
  void end_reloading(const std::vector<std::size_t>& nodes);
  // `file` copied to a fresh shadow path (dlopen caches by path) and loaded; or why not.
  std::variant<std::shared_ptr<loader::PluginLibrary>, std::string> load_fresh_copy(const std::filesystem::path& file);
  // With `next_spec` (a configuration reload), the new instance gets those settings, from
  // `next_file`, and they stay when it succeeds; a rollback goes back to the old ones.
  std::optional<std::filesystem::path> reload_one(std::size_t node, const std::shared_ptr<loader::PluginLibrary>& library,
                                                  const config::AgentSpec* next_spec = nullptr,
                                                  const std::filesystem::path& next_file = {});
  // `state` is restore()d when set (a reload), not for a restart's fresh instance.
  std::optional<std::string> start_reloaded(std::size_t node, const std::shared_ptr<AgentInstance>& instance,
                                            const std::optional<std::string>& state);
  void commit_reload(std::size_t node, std::shared_ptr<AgentInstance> instance, std::string reason,
                     const config::AgentSpec* next_spec = nullptr, const std::filesystem::path& next_file = {});
  void warn_if_still_mapped(const std::filesystem::path& old_library);
  void report_health(std::size_t node, const Health& health);
  // For the control socket's per-agent commands (mu_ held): the node of `agent` when this host
  // runs it and is not stopping; else why not.
  std::variant<std::size_t, std::string> local_agent_locked(std::string_view agent) const;
  void watch_liveness_locked(std::size_t node, const Health& health);
  // Supervision: a failure of a running agent (liveness) or of its restart.
  void agent_failed_locked(std::size_t node, std::string reason);
  void schedule_restart_locked(std::size_t node, std::chrono::milliseconds delay, std::string reason);
  void run_restart(std::size_t node, std::string reason);
  // A `kind: process` agent's timings, and its exit hook: program_exited().
  ProcessSupervision process_supervision(std::size_t node);
  // The watcher thread of a process agent's program that exited on its own once ready: a
  // failure for the restart policy at once, whatever its exit status (an agent runs until
  // it is stopped), without waiting for the liveness polls.
  void program_exited(std::size_t node, const process::ExitStatus& status);
  void give_up_locked(std::size_t node, std::string reason);
  // stop() on a start thread of its own, given up on after host.startup.stop_timeout (the
  // instance is then released by that thread when stop() returns). An error says why.
  std::optional<std::string> stop_in_time(std::shared_ptr<AgentInstance> instance);
  void end_restart(std::size_t node);
  void tell_dependents(std::size_t node, DependencyEvent::Kind kind, const std::string& reason);
  supervision::RestartTracker& tracker_locked(std::size_t node);
  std::vector<bool> selected_nodes() const;
  // Dependencies on agents of other machines: wait for them through the registry, or block
  // their dependents at once when no registry backend can ever tell.
  void watch_remote_dependencies(StartScheduler& scheduler);
  void block_remote_dependents(StartScheduler& scheduler, const std::string& why_unseen);
  void settle_remote_dependencies_locked(StartScheduler& scheduler);
  // Another machine's agent reported ready by the registry goes to remote_ready_ (start_all()
  // and a start wave; the caller unsubscribes registry_listener_ when it is done).
  void subscribe_remote_ready_locked(std::shared_ptr<const graph::DependencyGraph> graph);
  // After start-up too: an agent of another machine that has no ready instance left (its host
  // died or stopped, it failed) makes the agents here that need it `degraded`, saying why,
  // until it is back (agent_host_remote_health.cpp). Liveness never acts on it.
  void watch_remote_availability();
  // current_config_ made to say what runs (reconcile_mu_ held): see agent_host_reconcile.cpp.
  void settle_current_config();
  config::ClusterConfig& current_config_locked();  // reconcile_mu_ held
  void remote_entry_changed(const messaging::RegistryEntry& entry);
  // `health` as shown for `node`: a healthy answer becomes degraded while a dependency on
  // another machine is unavailable.
  Health with_remote_dependencies_locked(std::size_t node, Health health) const;
  void publish_status_locked(const Record& r);
  void apply_blocks(const std::vector<StartScheduler::Blocked>& blocked);
  // The start of `node` failed: record why and block every agent that needs it.
  void fail_start_locked(StartScheduler& scheduler, std::size_t node, std::string reason);
  std::vector<double> start_priority() const;  // the longest remaining chain, per node
  std::vector<std::size_t> start_order(const std::vector<double>& priority) const;  // selected nodes
  void prefetch_plugins(const std::vector<double>& priority);
  // The plugin files, on a start thread, and the threads of the first wave (constructor).
  void load_plugins();
  // Binds the sockets of the agents of `order` that wait to start or are starting, on a pool
  // thread, until end_bind_ahead() (start_all(), mu_ held).
  void bind_ahead_locked(std::vector<std::size_t> order);
  void end_bind_ahead(std::unique_lock<std::mutex>& lock);
  // The start loop of start_all() and of a reload's start wave (the caller holds `lock`):
  // launches what `scheduler` allows, settles outcomes and timeouts, until every node of it is
  // settled or, once `stop_requested`, nothing is in flight. False when it was stopped.
  // `after_first_launch` runs once (mu_ held), when the first wave has been handed out; it may
  // release `lock` for a while if it takes it again (outcomes that come meanwhile wait in
  // outcomes_, and the loop reads everything else again under mu_).
  bool drive_starts(std::unique_lock<std::mutex>& lock, StartScheduler& scheduler,
                    const std::atomic<bool>& stop_requested, const StartupProgressFn& on_progress,
                    std::optional<std::chrono::steady_clock::time_point> remote_wait_until,
                    std::function<void()> after_first_launch = {});
  // Configuration reload (agent_host_reconcile.cpp).
  std::vector<std::string> refuse_removals_locked(const std::vector<std::size_t>& leaving,
                                                  const std::vector<std::string>& leaving_names) const;
  // Stops `nodes`, dependents first; with `tell_dependents`, agents that still depend on one
  // hear it as `failed` (a forced removal).
  void stop_removed(const std::vector<std::size_t>& nodes, const std::string& why, bool tell_dependents);
  void run_reconfigure(std::size_t node, const config::AgentSpec* spec);
  // `agentctl restart` of an agent that failed or was blocked at start-up: it, and the agents
  // blocked behind it, start again in a start wave. An error when one cannot begin now.
  std::optional<std::string> start_again(std::size_t node);
  void run_start_wave(std::vector<std::size_t> nodes, std::shared_ptr<const graph::DependencyGraph> graph);
  void join_start_wave();
  void end_prefetch();

  const config::ClusterConfig config_;  // as started: host.* settings, the first agents' specs
  const HostOptions options_;
  const std::string machine_;
  // Replaced (under mu_) by a configuration reload; read without mu_ only where no reload can
  // run: during start_all() and stop_all(), and by a reload's own start wave (its copy).
  std::shared_ptr<const graph::DependencyGraph> graph_;
  // The plugin dirs' files; read again by a configuration reload. A start copies it (mu_).
  std::shared_ptr<const loader::PluginIndex> plugin_index_;
  loader::PluginCache plugins_;
  std::shared_ptr<loader::PluginPrefetch> prefetch_;  // during start_all()
  observability::HostMetrics metrics_;  // before the pools: their tasks use it
  errors::ErrorBus errors_;             // likewise
  ThreadPool pool_;
  health::HealthMonitor health_;
  supervision::DelayedTasks restart_timer_;  // back-off timers; cancelled by stop_all()
  std::unique_ptr<messaging::MessagingHost> messaging_;
  bool messaging_open_ = false;  // control thread
  // host.error_bus.listen and forward_to, made by open(); they use messaging_'s context.
  std::unique_ptr<errors::ErrorCollector> error_collector_;
  std::unique_ptr<errors::ErrorForwarder> error_forwarder_;
  // `isolation: process` agents' children: made on the first one's start (after messaging_,
  // whose context and sockets it uses; stopped before messaging_ stops).
  std::optional<isolation::IsolatedChildren> isolated_;  // made right after messaging_

  mutable std::mutex mu_;
  std::condition_variable cv_;
  StableList<Record> records_;               // index = graph node; fields guarded by mu_
  std::deque<config::AgentSpec> spec_store_;  // guarded by mu_: specs a reload brought, never freed
  std::deque<Outcome> outcomes_;             // guarded by mu_
  bool startup_finished_ = false;            // guarded by mu_
  bool prefetch_done_ = false;               // guarded by mu_
  bool binding_ahead_ = false;               // guarded by mu_: bind_ahead_locked()'s task is binding one
  bool bind_ahead_stop_ = false;             // guarded by mu_
  std::optional<double> startup_completed_;  // guarded by mu_
  std::deque<std::size_t> remote_ready_;     // guarded by mu_: remote dependencies now ready
  int registry_listener_ = 0;                // control thread
  int availability_listener_ = 0;            // set in open(), removed once the backends stopped
  // Agents of other machines with no ready instance, and why (guarded by mu_).
  std::map<std::size_t, std::string> remote_unavailable_;
  int active_reloads_ = 0;                   // guarded by mu_; stop_all() waits for none
  bool reloads_closed_ = false;              // guarded by mu_; set when stop_all() begins
  std::uint64_t reload_generation_ = 0;      // guarded by mu_; names the shadow copies
  std::filesystem::path shadow_dir_;         // guarded by mu_; made on the first reload
  // Configuration reload: one at a time; the configuration now in force; the start wave of
  // the agents it added (joined by the next reload or by stop_all()).
  std::mutex reconcile_mu_;
  // guarded by reconcile_mu_; copied from config_ by the first reload (current_config_locked()):
  // copying the specs of the demo's 84 agents was a tenth of constructing the host
  std::optional<config::ClusterConfig> current_config_;
  std::map<std::string, supervision::Crash> quarantine_;  // guarded by reconcile_mu_: options_.quarantine minus agents released since
  std::thread start_wave_;                   // guarded by reconcile_mu_
  std::atomic<bool> start_wave_running_{false};
  std::atomic<bool> start_wave_stop_{false};
};

}  // namespace agenthost::runtime
