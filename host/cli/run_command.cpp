#include "cli/run_command.hpp"

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <spdlog/sinks/sink.h>
#include <spdlog/spdlog.h>

#include "admin/admin_server.hpp"
#include "reload/file_watcher.hpp"
#include "cli/config_reload.hpp"
#include "cli/heap_prefault.hpp"
#include "cli/signal_watcher.hpp"
#include "config/config_checker.hpp"
#include "config/config_loader.hpp"
#include "control/control_server.hpp"
#include "control/startup_svg.hpp"
#include "control/errors_command.hpp"
#include "control/log_level_command.hpp"
#include "observability/host_logging.hpp"
#include "runtime/agent_host.hpp"
#include "supervision/crash_marker.hpp"
#include "supervision/crash_quarantine.hpp"
#include "systemd/service_heartbeat.hpp"
#include "systemd/service_status.hpp"
#include "systemd/systemd_notifier.hpp"

namespace agenthost::cli {
namespace {

std::optional<config::StartStrategy> parse_strategy(const std::string& s) {
  if (s == "eager") return config::StartStrategy::eager;
  if (s == "levels") return config::StartStrategy::levels;
  if (s == "sequential") return config::StartStrategy::sequential;
  return std::nullopt;
}

// The command line's logging values (main() checked them); nullopt where it has none.
struct LogOverrides {
  std::optional<observability::LogLevel> level;
  std::optional<observability::LogFormat> format;
};

LogOverrides log_overrides(const RunOptions& options) {
  return {.level = observability::parse_log_level(options.log_level),
          .format = observability::parse_log_format(options.log_format)};
}

// The commands the control server hands to the host (status and the like it answers itself).
control::CommandHandler host_commands(runtime::AgentHost& host, const std::string& config_path) {
  return [&host, config_path](const nlohmann::json& request) {
    const std::string command = request.at("command").get<std::string>();
    if (command == "log-level")
      return control::answer_log_level(request, [&host](std::string_view logger, observability::LogLevel level) {
        return host.set_log_level(logger, level);
      });
    if (command == "reload" && !request.contains("agent"))
      return reload_answer(reload_configuration(host, config_path, request.value("force", false)));
    if (command == "reload" && request.contains("agent")) {
      const std::string agent = request.value("agent", "");
      if (auto error = host.reload_agent(agent)) return control::error_answer(*error);
      return nlohmann::json{{"agent", agent},
                            {"message", fmt::format("reloading {} from its plugin file (agentctl status and "
                                                    "agentctl errors show the outcome)",
                                                    agent)}};
    }
    if (command == "restart" && request.contains("agent")) {
      const std::string agent = request.value("agent", "");
      if (auto error = host.restart_agent(agent)) return control::error_answer(*error);
      return nlohmann::json{{"agent", agent},
                            {"message", fmt::format("restarting {} (its restart history and start limit are reset; "
                                                    "agentctl status shows the outcome)",
                                                    agent)}};
    }
    if (command == "release" && request.contains("agent")) {
      const std::string agent = request.value("agent", "");
      if (auto error = host.release_quarantine(agent)) return control::error_answer(*error);
      // The configuration as it is, without the quarantine: the agent moves back in.
      auto answer = reload_answer(reload_configuration(host, config_path, false));
      if (answer.contains("error"))
        return control::error_answer(fmt::format("{} left crash quarantine but still runs isolated: the reload failed "
                                                 "(it moves into the host at the next reload or start): {}",
                                                 agent, answer["error"].get<std::string>()));
      answer["agent"] = agent;
      answer["message"] = fmt::format("{} left crash quarantine; {}", agent, answer["message"].get<std::string>());
      return answer;
    }
    if (command == "errors") {
      return control::answer_errors(request, host.errors().machine(),
                                    [&host](const errors::ErrorQuery& q) { return host.errors().query(q); });
    }
    return control::error_answer(fmt::format("unknown command '{}'", command));
  };
}

// Pieces of at least 32 KiB: with libyaml the demo's 19 KiB parse in ~2.5 ms whole, which two
// pieces did not beat (a second thread pays for its start and its own heap; with yaml-cpp's
// slower parser, two pieces gained from 8 KiB).
config::YamlPieces run_pieces() {
  constexpr std::size_t kHeapPerYamlByte = 64;  // a piece's share of heap_prefault_bytes
  config::YamlPieces pieces;
  pieces.min_piece_bytes = 32 * 1024;
  pieces.prepare_thread = [](std::size_t piece_bytes) { prefault_heap(piece_bytes * kHeapPerYamlByte); };
  return pieces;
}

// Loads and validates; prints every problem. nullopt when the host cannot start.
std::optional<config::ClusterConfig> load_for_run(const RunOptions& options) {
  auto loaded = config::load_config(options.config_path, config::process_environment(), run_pieces());
  auto problems = loaded.diagnostics;
  if (loaded.ok()) {
    // Missing plugins are not fatal here: that agent fails, the others start.
    problems.append(config::check_cluster(loaded.config, {.strict = false, .check_plugins = false}));
  }
  for (const auto& d : problems.items()) std::cerr << d.format() << '\n';
  if (problems.has_errors()) {
    std::cerr << "agenthost: " << options.config_path << ": " << problems.error_count()
              << " error(s); not starting (run `agenthost check --config " << options.config_path
              << "` after fixing)\n";
    return std::nullopt;
  }
  return std::move(loaded.config);
}

admin::AdminSources admin_sources(runtime::AgentHost& host) {
  // Long enough for a loop busy with a burst, short enough for a probe's timeout.
  constexpr auto kLoopPing = std::chrono::milliseconds(250);
  return {[&host] { return host.snapshot(); }, [&host] { return host.metrics().exposition(); },
          [&host] { return host.messaging().loop_responsive(kLoopPing); },
          [](const runtime::HostSnapshot& snapshot) { return control::startup_svg(snapshot); }};
}

// Crash quarantine (README): the agents that crashed this host before run isolated, and a
// crash inside an agent's code from now on is recorded. In host.state_dir, else systemd's
// $STATE_DIRECTORY; without either there is no quarantine.
void set_up_crash_quarantine(const config::HostSpec& host, runtime::HostOptions& options) {
  std::string dir = host.state_dir;
  if (const char* systemd_dir = std::getenv("STATE_DIRECTORY"); dir.empty() && systemd_dir && *systemd_dir)
    dir = std::string(systemd_dir).substr(0, std::string(systemd_dir).find(':'));
  if (dir.empty()) {
    spdlog::debug("crash quarantine is off: neither host.state_dir nor $STATE_DIRECTORY is set");
    return;
  }
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  options.quarantine_file = supervision::quarantine_file(dir);
  options.quarantine = supervision::read_quarantine(options.quarantine_file);
  if (auto failed = supervision::record_crashes_in(options.quarantine_file); !failed.empty())
    spdlog::warn("crash quarantine: a crash in an agent's code will not be recorded: {}", failed);
}

// Under systemd: what start-up has got to, as STATUS= (on the control thread, in start_all()).
runtime::StartupProgressFn startup_status(systemd::SystemdNotifier& notifier) {
  if (!notifier.enabled()) return {};
  return [&notifier](const runtime::StartupProgress& p) { notifier.status(systemd::starting_status(p)); };
}

// Under systemd: keep-alives from this thread while the I/O loop answers, STATUS= on changes.
std::optional<systemd::ServiceHeartbeat> heartbeat_for(systemd::SystemdNotifier& notifier,
                                                       runtime::AgentHost& host) {
  if (!notifier.enabled()) return std::nullopt;
  std::optional<systemd::ServiceHeartbeat> heartbeat;
  heartbeat.emplace(
      systemd::ServiceHeartbeat::Settings{.watchdog_timeout = notifier.watchdog_timeout()},
      systemd::ServiceHeartbeat::Sources{
          [&host] { return host.snapshot(); },
          [&host](std::chrono::milliseconds timeout) { return host.messaging().loop_responsive(timeout); }},
      systemd::ServiceHeartbeat::Outputs{[&notifier](std::string_view text) { notifier.status(text); },
                                         [&notifier] { notifier.watchdog(); }});
  if (auto period = heartbeat->watchdog_period())
    spdlog::info("systemd watchdog: WATCHDOG=1 every {} ms while the I/O loop answers within {} ms",
                 period->count(), heartbeat->loop_timeout().count());
  return heartbeat;
}

// The control thread after start-up: sleeps until a stop is requested, waking only for the
// heartbeat (none when not run by systemd). The heartbeat runs without `mu`, so that the stop
// handler never waits for it.
void wait_for_stop(std::mutex& mu, std::condition_variable& cv, const std::atomic<bool>& stop_requested,
                   std::optional<systemd::ServiceHeartbeat>& heartbeat) {
  const auto stopped = [&] { return stop_requested.load(); };
  std::unique_lock lock(mu);
  if (!heartbeat) {
    cv.wait(lock, stopped);
    return;
  }
  while (!cv.wait_until(lock, heartbeat->next_due(), stopped)) {
    lock.unlock();
    heartbeat->beat();
    lock.lock();
  }
}

}  // namespace

int run_host(const RunOptions& options) {
  SignalWatcher signals;  // first: every thread created later inherits the blocked mask
  // Logging starts before the config is read, as the command line says; host.log applies
  // once it is read, where the command line says nothing.
  const LogOverrides overrides = log_overrides(options);
  auto sink = observability::set_up_host_logging(overrides.level.value_or(observability::LogLevel::info),
                                                 overrides.format.value_or(observability::LogFormat::text));

  runtime::HostOptions host_options;
  host_options.machine = options.machine;
  host_options.t0 = options.t0;
  host_options.log_sinks = {sink};
  if (!options.strategy.empty()) {
    host_options.strategy = parse_strategy(options.strategy);
    if (!host_options.strategy) {
      std::cerr << "agenthost: unknown --strategy '" << options.strategy
                << "' (use eager, levels or sequential)\n";
      return kExitUsage;
    }
  }
  auto since_t0 = [&] {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - options.t0)
        .count();
  };
  std::error_code size_error;
  const auto config_bytes = std::filesystem::file_size(options.config_path, size_error);
  HeapPrefault heap_prefault(heap_prefault_bytes(size_error ? 0 : config_bytes));
  auto config = load_for_run(options);
  if (!config) return kExitConfig;
  const double config_ms = since_t0();
  const auto host_level = overrides.level.value_or(config->host.log.level);
  spdlog::default_logger()->set_level(host_level);
  observability::use_log_format(*sink, overrides.format.value_or(config->host.log.format));
  host_options.default_log_level = host_level;
  host_options.isolated_child_dir = options.isolated_child_dir;
  const bool isolated_child = !options.isolated_child_dir.empty();
  if (isolated_child) {
    // Its host logs every line under the agent's name, with its own time: the level is all a
    // line needs here, and the host's own start-up chatter is left out.
    sink->set_pattern("[%l] %v");
    spdlog::default_logger()->set_level(std::max(host_level, observability::LogLevel::warn));
  }
  systemd::SystemdNotifier notifier;  // after logging: it may warn
  if (notifier.enabled()) spdlog::debug("systemd: notifying {}", notifier.socket());
  const std::string control_path = config->host.control_socket;
  control::ControlServerOptions control_access;
  control_access.mode = static_cast<::mode_t>(config->host.control_mode);
  if (config->host.control_owner) control_access.owner = static_cast<::uid_t>(config->host.control_owner->id);
  if (config->host.control_group) control_access.group = static_cast<::gid_t>(config->host.control_group->id);
  const std::optional<config::ListenAddress> admin_listen = config->host.admin;
  const std::string machine = options.machine.empty() ? config->host.name : options.machine;
  const std::string agents_dir = config->host.agents_dir;
  if (!isolated_child) set_up_crash_quarantine(config->host, host_options);  // a child's crash is its host's to see

  runtime::AgentHost host(std::move(*config), host_options);  // its plugin files load meanwhile
  // SIGHUP and drop-ins that come or go: a reload on a thread of its own (destroyed before host).
  ReloadRequests reload_requests(host, options.config_path);

  std::mutex mu;
  std::condition_variable cv;
  std::atomic<bool> stop_requested{false};
  signals.start({
      .on_stop =
          [&] {
            spdlog::info("stop requested: stopping agents (send the signal again to force)");
            stop_requested = true;
            host.wake();
            std::lock_guard lock(mu);
            cv.notify_all();
          },
      .on_second_stop =
          [] {
            spdlog::error("second stop signal: exiting at once, agents not stopped");
            spdlog::default_logger()->flush();
            std::_Exit(kExitFailure);
          },
      .on_reload = [&reload_requests] { reload_requests.request("SIGHUP"); },
  });
  // on_stop uses host, mu, cv and stop_requested, and may still be running when this
  // function returns (it wakes us before it is done): end the watcher thread before they
  // are destroyed, on every return path. Declared after them, so destroyed before them.
  struct StopWatching {
    SignalWatcher& signals;
    ~StopWatching() { signals.stop(); }
  } stop_watching{signals};

  // Bound now, so that a path that cannot be used stops the host before any agent starts;
  // served from beside the first agents (clients wait in the backlog until then).
  std::optional<control::ControlServer> control;
  if (!control_path.empty()) {
    control.emplace(control_path, [&host] { return host.snapshot(); }, host_commands(host, options.config_path),
                    control_access);
    if (auto error = control->listen()) {
      spdlog::error("control socket: {}", *error);
      return kExitConfig;
    }
  }

  if (auto error = host.open()) {
    spdlog::error("{}", *error);
    return kExitConfig;
  }
  // After open(): /healthz asks the I/O loop, which open() starts. Started beside the agents
  // (civetweb's threads take 1-3 ms to start, which is not the agents' to wait for), and
  // answering /readyz while they start. A listener that cannot listen stops the host, which
  // then exits 78 like any config that cannot start.
  std::optional<admin::AdminServer> admin_server;
  std::atomic<bool> setup_failed{false};  // the admin listener or the control socket's thread
  auto fail_setup = [&](const std::string& error) {
    spdlog::error("{}", error);
    setup_failed = true;
    stop_requested = true;
    host.wake();
    std::lock_guard lock(mu);
    cv.notify_all();
  };
  std::thread admin_starter;
  auto start_admin = [&] {
    admin_server.emplace(*admin_listen, admin_sources(host));
    admin_starter = std::thread([&] {
      if (auto error = admin_server->start()) fail_setup(*error);
    });
  };
  struct JoinAdminStarter {
    std::thread& thread;
    ~JoinAdminStarter() {
      if (thread.joinable()) thread.join();
    }
  } join_admin_starter{admin_starter};
  // Hot reload: a plugin file written or replaced in a plugin folder reloads its agents, and
  // one that agents were waiting for (their plugin was missing) starts them, through a reload.
  // Both folders are watched from before start-up, so that no file that lands meanwhile is
  // missed (the threads that read the events start beside the first agents); a drop-in's
  // reload waits until start-up is over (reload_requests.resume()).
  // 20 ms of quiet is one reload: IN_CLOSE_WRITE and IN_MOVED_TO already say the file is
  // complete; the debounce only folds a burst (several writers, a copy then a touch) into one,
  // and it counts against the 50 ms from a file landing to its new code serving.
  constexpr auto kPluginDebounce = std::chrono::milliseconds(20);
  reload::FileWatcher plugin_watcher(
      host.plugin_dirs(), {".so"},
      [&](const reload::FileChange& change) {
        if (change.removed) return;
        host.plugin_file_changed(change.path);
        if (host.agents_missing_plugins()) reload_requests.request("plugin file " + change.path.string() + " arrived");
      },
      kPluginDebounce);
  if (auto error = plugin_watcher.watch()) spdlog::warn("plugins will not be reloaded when they change: {}", *error);
  // Drop-in deployment: an agent file written, replaced or removed in host.agents_dir.
  std::optional<reload::FileWatcher> drop_in_watcher;
  if (!agents_dir.empty()) {
    drop_in_watcher.emplace(std::vector<std::filesystem::path>{agents_dir}, std::vector<std::string>{".yaml", ".yml"},
                            [&reload_requests](const reload::FileChange& change) {
                              reload_requests.request(fmt::format("drop-in {} {}", change.path.string(),
                                                                  change.removed ? "removed" : "written"));
                            });
    if (auto error = drop_in_watcher->watch())
      spdlog::warn("agent drop-ins will not be picked up without a reload: {}", *error);
  }

  // The threads of the control socket, the admin listener and the watchers, made while the
  // first agents start (each costs ~0.15-0.4 ms in a small VM, and the first start of the
  // critical chain waited for them). Like a listener that cannot listen, a control socket
  // that cannot be served stops the host.
  auto beside_first_wave = [&] {
    if (control) {
      if (auto error = control->start()) fail_setup("control socket: " + *error);
    }
    if (admin_listen) start_admin();
    // A folder that could not be watched was reported above.
    if (plugin_watcher.watching()) (void)plugin_watcher.start();
    if (drop_in_watcher && drop_in_watcher->watching()) (void)drop_in_watcher->start();
  };

  spdlog::info("agenthost starting {} on machine '{}'", options.config_path, machine);
  auto summary = host.start_all(stop_requested, startup_status(notifier), beside_first_wave);
  // "in" counts from the process's main(); "agents" from the first start, so that the cost
  // of reading the config and the scheduling of the agents can be told apart.
  spdlog::info("startup complete: {} ready, {} failed, {} blocked in {:.3f}s (config {:.1f} ms, "
               "agents {:.1f} ms){}",
               summary.ready, summary.failed, summary.blocked, summary.elapsed_s, config_ms,
               summary.elapsed_s * 1000 - summary.began_ms,
               summary.interrupted ? " (interrupted by a stop request)" : "");
  heap_prefault.release();
  if (isolated_child && (summary.failed > 0 || summary.blocked > 0)) {
    // Its host sees the exit and the line above it: the agent did not start.
    spdlog::error("the isolated agent did not start; exiting");
    host.stop_all();
    return kExitFailure;
  }
  reload_requests.resume();
  // Also when some agents failed (STATUS= says so): the host runs, and restarting it would not
  // mend a broken plugin. Not when a stop cut start-up short: STOPPING=1 follows at once.
  if (!summary.interrupted) notifier.ready(systemd::ready_status(summary));

  auto heartbeat = heartbeat_for(notifier, host);
  wait_for_stop(mu, cv, stop_requested, heartbeat);
  plugin_watcher.stop();
  if (drop_in_watcher) drop_in_watcher->stop();
  if (notifier.enabled())
    notifier.stopping(systemd::stopping_status(systemd::count_agents(host.snapshot())));
  if (admin_starter.joinable()) admin_starter.join();  // stop() below must not race start()
  auto shutdown = host.stop_all();
  spdlog::info("shutdown complete: {} agents stopped in {:.1f} ms{}", shutdown.stopped,
               shutdown.elapsed_ms,
               shutdown.timed_out ? fmt::format(", {} did not stop in time", shutdown.timed_out)
                                  : std::string());
  if (admin_server) admin_server->stop();
  if (control) control->stop();
  if (shutdown.threads_left_in_agent_code > 0) {
    // Those threads are inside plugin code that may never return, and they reference the
    // host: exit without running destructors under them.
    spdlog::warn("{} thread(s) still inside agent code (a hung start, stop or health call); "
                 "exiting without waiting for them",
                 shutdown.threads_left_in_agent_code);
    spdlog::default_logger()->flush();
    std::_Exit(setup_failed ? kExitConfig : kExitOk);
  }
  return setup_failed ? kExitConfig : kExitOk;
}

}  // namespace agenthost::cli
