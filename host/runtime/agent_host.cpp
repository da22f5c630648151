#include "runtime/agent_host.hpp"

#include <unistd.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "agenthost/version.hpp"
#include "config/network_address.hpp"
#include "errors/error_event.hpp"
#include "messaging/tcp_address.hpp"
#include "observability/metric_families_json.hpp"
#include "runtime/agent_host_record.hpp"
#include "runtime/agent_status_json.hpp"

namespace agenthost::runtime {
namespace {


std::string tcp_of(const config::ListenAddress& address) {
  return messaging::tcp_address(address.host, std::to_string(address.port));
}

messaging::MessagingOptions messaging_options(const config::HostSpec& host, const std::string& machine,
                                              const std::string& isolated_child_dir,
                                              std::function<void(const std::string&)> on_curve_refused,
                                              std::function<std::string(const std::string&)> metrics_answer) {
  messaging::MessagingOptions options;
  options.metrics_answer = std::move(metrics_answer);
  if (host.curve) {
    options.curve = std::make_shared<const messaging::CurveSettings>(
        messaging::CurveSettings{host.curve->server, host.curve->client, host.curve->authorized_keys});
    options.on_curve_refused = std::move(on_curve_refused);
  }
  if (!isolated_child_dir.empty()) {
    const auto links = isolation::child_links(isolated_child_dir);
    options.ipc_dir = links.child_dir;
    options.parent_ipc_dir = links.host_dir;
  }
  options.machine = machine;
  options.bind = host.bind;
  options.advertise = host.advertise.empty() ? host.bind : host.advertise;
  options.workers = static_cast<std::size_t>(std::max(0, host.workers));
  options.sockets_cpu = host.sockets_cpu;
  options.client.retry_backoff = host.client.retry_backoff;
  options.client.retry_backoff_max = host.client.retry_backoff_max;
  options.client.breaker_failures = host.client.breaker_failures;
  options.client.breaker_open_for = host.client.breaker_open_for;
  options.client.connect_timeout = host.client.connect_timeout;
  if (host.registry.backend == config::RegistrySpec::Backend::peers && host.registry.listen) {
    messaging::PeerOptions peers;
    peers.listen = tcp_of(*host.registry.listen);
    for (const auto& peer : host.registry.peers) peers.peers.push_back(tcp_of(peer));
    peers.interval = host.registry.announce_interval;
    peers.ttl = host.registry.ttl;
    options.peers = std::move(peers);
  }
  if (host.registry.backend == config::RegistrySpec::Backend::etcd) {
    messaging::EtcdOptions etcd;
    for (const auto& endpoint : host.registry.etcd_endpoints) etcd.endpoints.push_back(config::to_string(endpoint));
    etcd.prefix = host.registry.etcd_prefix;
    etcd.ttl = host.registry.ttl;
    options.etcd = std::move(etcd);
  }
  return options;
}

config::ClusterConfig with_quarantine(config::ClusterConfig config, const HostOptions& options) {
  supervision::apply_quarantine(config, options.quarantine, options.quarantine_file);
  return config;
}

}  // namespace

AgentHost::AgentHost(config::ClusterConfig config, HostOptions options)
    : config_(with_quarantine(std::move(config), options)),
      options_(std::move(options)),
      machine_(options_.machine.empty() ? config_.host.name : options_.machine),
      graph_(std::make_shared<const graph::DependencyGraph>(graph::DependencyGraph::build(config_.agents))),
      plugin_index_(std::make_shared<const loader::PluginIndex>(config_.host.plugin_dirs)),
      errors_(machine_, static_cast<std::size_t>(config_.host.error_bus.keep), metrics_.registry(),
              [this](const errors::ErrorEvent& e) {
                metrics_.requests().errors(e.agent, std::string(to_string(e.severity))).Increment();
              }),
      // One thread more than starts in flight: the plugin prefetch task. Timer slack 1 us: an
      // agent's start() that sleeps or waits with a timeout holds up every agent behind it.
      pool_("start", static_cast<std::size_t>(std::max(1, config_.host.startup_parallelism)) + 1,
            std::chrono::microseconds(1)),
      health_(config_.host.health_interval, config_.host.health_timeout,
              [this](std::size_t node, const Health& h) { report_health(node, h); },
              [this](std::size_t node, const std::string& what) {
                errors_.report(records_[node].spec->name, "health", Severity::error,
                               fmt::format("health() threw: {}", what));
              }),
      records_(config_.agents.size()),
      quarantine_(options_.quarantine) {
  for (std::size_t i = 0; i < records_.size(); ++i) init_record(records_[i], &config_.agents[i]);
  load_plugins();
  try {
    messaging_ = std::make_unique<messaging::MessagingHost>(messaging_options(
        config_.host, machine_, options_.isolated_child_dir,
        [this](const std::string& why) { errors_.report("agenthost", "curve", Severity::warning, why); },
        // An isolated agent's child is asked this by its host, for the agent's own metrics.
        [this](const std::string& agent) { return observability::to_json(metrics_.agent_families().collect(agent)); }));
    isolated_.emplace(*messaging_, errors_, metrics_.registry());
  } catch (...) {
    // The loading task uses mu_ and the records, which go before the pool does.
    pool_.shutdown(config_.host.startup_timeout);
    throw;
  }
  for (std::size_t i = 0; i < records_.size(); ++i) {
    const auto& spec = config_.agents[i];
    if (records_[i].selected && !spec.quarantined.empty())
      errors_.report(spec.name, "quarantine", Severity::warning, fmt::format("runs isolated: {}", spec.quarantined));
  }
  metrics_.set_view({[this] { return snapshot(); }, [this] { return plugins_.loaded_count(); },
                     [this] { return messaging_->sockets().counts(); },
                     [this] { return messaging_->socket_counters(); }});
  metrics_.set_children([this] {
    std::vector<std::string> isolated;
    {
      std::lock_guard lock(mu_);
      for (const auto& r : records_)
        if (r.selected && r.state == AgentState::ready && r.spec->isolation == config::Isolation::process)
          isolated.push_back(r.spec->name);
    }
    return isolated_->collect_metrics(isolated);
  });
}

AgentHost::~AgentHost() {
  if (prefetch_) {
    // start_all() never ran: the plugin files' loading task uses mu_ and the pool.
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, config_.host.startup_timeout, [&] { return prefetch_done_; });
  }
  join_start_wave();
  restart_timer_.cancel_all();  // its tasks use the records, destroyed before it
  health_.stop();
  stop_error_bus();
  if (registry_listener_) messaging_->registry().unsubscribe(registry_listener_);
  isolated_->stop();
  messaging_->stop();  // the registry backends' threads, which call the listeners, are joined
  if (availability_listener_) messaging_->registry().unsubscribe(availability_listener_);
  pool_.shutdown(std::chrono::milliseconds(0));
  std::error_code ignored;  // empty: each copy is unlinked once loaded
  if (!shadow_dir_.empty()) std::filesystem::remove(shadow_dir_, ignored);
}

std::optional<std::string> AgentHost::open() {
  if (messaging_open_) return std::nullopt;
  messaging_open_ = true;
  watch_remote_availability();
  // Its threads are made beside the first starts (start_all()).
  if (auto error = messaging_->start(messaging::MessagingHost::LoopThreads::later)) return error;
  return open_error_bus();
}

std::optional<std::string> AgentHost::open_error_bus() {
  const auto& spec = config_.host.error_bus;
  if (spec.listen) {
    error_collector_ = std::make_unique<errors::ErrorCollector>(
        messaging_->context(), tcp_of(*spec.listen), errors_, metrics_.registry(), messaging_->options().curve);
    if (auto error = error_collector_->start()) return error;
  }
  const bool child = !options_.isolated_child_dir.empty();
  if (child || (spec.forward_to && !config::forwards_to_itself(config_.host))) {
    errors::ForwarderOptions options;
    // An isolated agent's child: every event to its host, which keeps (or forwards) them.
    options.endpoint = child ? isolation::child_links(options_.isolated_child_dir).errors_endpoint
                             : tcp_of(*spec.forward_to);
    options.buffer = static_cast<std::size_t>(spec.buffer);
    options.curve = messaging_->options().curve;  // applies to tcp only: a child's ipc link stays plain
    error_forwarder_ = std::make_unique<errors::ErrorForwarder>(messaging_->context(), errors_.machine(),
                                                                std::move(options), metrics_.registry());
    error_forwarder_->start();
    errors_.set_forward([forwarder = error_forwarder_.get()](const errors::ErrorEvent& e) { forwarder->push(e); });
  }
  return std::nullopt;
}

void AgentHost::stop_error_bus() {
  // The forwarder first: it may still deliver the events of the last stops (for at most its
  // flush timeout). It stays allocated: an agent thread left hanging may still report.
  if (error_forwarder_) error_forwarder_->stop();
  if (error_collector_) error_collector_->stop();
}

void AgentHost::init_record(Record& r, const config::AgentSpec* spec) {
  r.spec.set(spec);
  r.selected = machine_ == "all" || spec->runs_on(machine_);
  if (!r.selected) return;
  // Agent loggers are never registered with spdlog's registry (a reloaded plugin would
  // collide with its old name) and write to the host's sinks only. A revived record keeps its
  // logger (threads of its earlier life may still hold it) with the new level.
  if (!r.logger)
    r.logger = std::make_shared<spdlog::logger>(spec->name, options_.log_sinks.begin(), options_.log_sinks.end());
  r.logger->set_level(spec->log_level.value_or(options_.default_log_level));
}

void AgentHost::publish_status_locked(const Record& r) {
  if (!r.selected) return;
  auto endpoint = messaging_->find_endpoint(r.spec->name);
  if (!endpoint) return;
  endpoint->set_status_json(agent_status_json(r.spec->name, to_string(r.state), to_string(r.health.status),
                                              r.health.detail));
}

double AgentHost::now_ms() const {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - options_.t0)
      .count();
}

void AgentHost::wake() {
  // Through mu_: start_all() checks the stop flag under mu_ and then sleeps; a notify that
  // fell between the two, without the lock, would be lost until the next start settles.
  { std::lock_guard lock(mu_); }
  cv_.notify_all();
}

std::vector<bool> AgentHost::selected_nodes() const {
  std::vector<bool> out(records_.size());
  for (std::size_t i = 0; i < records_.size(); ++i) out[i] = records_[i].selected;
  return out;
}

void AgentHost::transition_locked(Record& r, AgentState to, std::string reason) {
  const AgentState from = r.state;
  r.state = to;
  r.reason = std::move(reason);
  r.since_ms = now_ms();
  publish_status_locked(r);
  const auto level = (to == AgentState::failed || to == AgentState::blocked) ? spdlog::level::err
                     : (to == AgentState::ready || to == AgentState::stopped)
                         ? spdlog::level::info
                         : spdlog::level::debug;
  if (r.reason.empty())
    spdlog::log(level, "agent {}: {} -> {}", r.spec->name, to_string(from), to_string(to));
  else
    spdlog::log(level, "agent {}: {} -> {}: {}", r.spec->name, to_string(from), to_string(to),
                r.reason);
}

void AgentHost::report_health(std::size_t node, const Health& health) {
  std::lock_guard lock(mu_);
  auto& r = records_[node];
  if (r.state != AgentState::ready) return;  // a late answer after stop began
  const Health shown = with_remote_dependencies_locked(node, health);
  // Log changes only; the first answer only when it is not "healthy".
  const bool changed = r.health_at_ms ? r.health.status != shown.status
                                      : shown.status != HealthStatus::healthy;
  if (changed) {
    const auto level =
        shown.status == HealthStatus::healthy ? spdlog::level::info : spdlog::level::warn;
    spdlog::log(level, "agent {}: health {}{}{}", r.spec->name, to_string(shown.status),
                shown.detail.empty() ? "" : ": ", shown.detail);
  }
  r.health = shown;
  r.health_degraded_by_remote = shown.status != health.status;
  r.health_at_ms = now_ms();
  publish_status_locked(r);
  watch_liveness_locked(node, health);  // the agent's own answer: a remote outage is not its failure
}

std::variant<std::size_t, std::string> AgentHost::local_agent_locked(std::string_view agent) const {
  auto id = graph_->find(std::string(agent));
  if (!id) return fmt::format("no agent '{}' in the configuration", agent);
  const auto& r = records_[*id];
  if (r.removed) return fmt::format("agent '{}' was removed by a configuration reload", agent);
  if (!r.selected) return fmt::format("agent '{}' runs on machine '{}', not on this host", agent, r.spec->machine);
  if (reloads_closed_) return std::string("the host is stopping");
  return *id;
}

void AgentHost::watch_liveness_locked(std::size_t node, const Health& health) {
  auto& r = records_[node];
  if (r.reloading) return;  // a reload or restart owns the agent now
  if (health.status != HealthStatus::unhealthy) {
    r.unhealthy_polls = 0;
    if (r.recovering) tracker_locked(node).on_recovered();  // the back-off starts over
    r.recovering = false;
    return;
  }
  const int threshold = r.spec->liveness.failure_threshold;
  if (++r.unhealthy_polls < threshold) return;
  r.unhealthy_polls = 0;
  auto reason = fmt::format("liveness: unhealthy for {} health poll{} in a row ({})", threshold,
                            threshold == 1 ? "" : "s", health.detail);
  if (r.spec->restart == config::RestartPolicy::never) {
    errors_.report(r.spec->name, "liveness", Severity::error, reason + "; not restarted (restart: never)");
    return;
  }
  if (reloads_closed_) return;
  errors_.report(r.spec->name, "liveness", Severity::error, reason, {}, false);
  r.reloading = true;  // this restart's slot, released by end_restart()
  ++active_reloads_;
  agent_failed_locked(node, std::move(reason));
}

HostSnapshot AgentHost::snapshot() const {
  HostSnapshot s;
  s.host_name = machine_;
  s.version = AGENTHOST_VERSION_STRING;
  s.pid = ::getpid();
  s.uptime_ms = now_ms();
  std::lock_guard lock(mu_);
  s.startup_finished = startup_finished_;
  s.startup_completed_at = startup_completed_;
  s.log_level = observability::log_level_name(spdlog::default_logger()->level());
  s.agents.reserve(records_.size());
  for (std::size_t i = 0; i < records_.size(); ++i) {
    const auto& r = records_[i];
    if (!r.selected || r.removed) continue;
    AgentSnapshot a;
    a.name = r.spec->name;
    a.machine = machine_ == "all" ? r.spec->machine : machine_;  // a replica: the instance here
    // Process agents have no plugin: the column says what runs instead.
    a.plugin = r.spec->kind == config::AgentKind::process ? "process " + r.spec->process.command : r.spec->plugin;
    if (r.spec->isolation == config::Isolation::process) {
      a.plugin += r.spec->quarantined.empty() ? " (isolated)" : " (quarantined)";
      a.isolation = r.spec->quarantined.empty() ? "process" : "process: " + r.spec->quarantined;
    }
    a.plugin_file = r.plugin_file;
    a.state = r.state;
    a.reason = r.reason;
    a.blocked_by = r.blocked_by;
    a.state_since = r.since_ms;
    a.health = r.health.status;
    a.health_detail = r.health.detail;
    a.health_checked_at = r.health_at_ms;
    a.restarts = r.restarts;
    for (const auto& d : r.spec->dependencies) a.dependencies.push_back(d.name);
    if (r.spec->expected_start) a.expected_start_ms = double(r.spec->expected_start->count());
    a.timings = r.timings;
    a.log_level = observability::log_level_name(r.logger->level());
    s.agents.push_back(std::move(a));
  }
  return s;
}

}  // namespace agenthost::runtime
