// AgentHost: configuration reload — the whole configuration re-read (SIGHUP, `agentctl reload`,
// a drop-in that came or went) and reconciled with what runs, touching only what changed.
//
// Node ids stay stable: a removed agent's node stays as a tombstone (removed, unselected) and
// comes back if an agent of that name is added again; added agents get new nodes at the end.
// So every thread that holds a node id (health, restarts, reloads) keeps meaning the same
// agent. The graph and the records change under mu_ only, and only here.
//
// Who owns what: the reload holds one count in active_reloads_ while it runs, and sets the
// `reloading` flag of every agent it stops or reloads, so stop_all() waits for it and no
// restart or reload of those agents runs meanwhile. The agents it adds start on a thread of
// their own (start_wave_), which holds one more count until they are settled.

#include <algorithm>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "config/config_checker.hpp"
#include "runtime/agent_host.hpp"
#include "runtime/agent_host_record.hpp"

namespace agenthost::runtime {
namespace {

using config::AgentSpec;

// Keys that a running agent takes without a new instance.
bool applies_in_place(const std::string& key) {
  static const std::set<std::string> keys{"log_level", "restart",        "restart_backoff", "start_limit",
                                          "liveness",  "expected_start", "start_timeout",   "dependencies",
                                          "machine"};
  return keys.contains(key);
}
// Keys that need a new instance of a different kind: stopped, then started anew.
bool needs_replace(const std::string& key) { return key == "kind" || key == "process" || key == "isolation"; }
// Keys a running host cannot apply: the endpoint and its port stay bound for the host's life.
bool needs_host_restart(const std::string& key) { return key == "port" || key == "concurrency"; }

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

void AgentHost::join_start_wave() {
  start_wave_stop_ = true;
  {
    std::lock_guard lock(mu_);  // drive_starts() checks the flag under mu_, then sleeps
  }
  cv_.notify_all();
  if (start_wave_.joinable()) start_wave_.join();
  start_wave_stop_ = false;
}

config::ClusterConfig& AgentHost::current_config_locked() {
  if (!current_config_) current_config_.emplace(config_);
  return *current_config_;
}

void AgentHost::settle_current_config() {
  // A reconfiguration whose hot reload failed rolled the agent back to its old settings: the
  // configuration in force says so again, so that the next reload tries the new ones anew
  // instead of finding nothing changed. Agents still being reloaded keep what they go to.
  std::lock_guard lock(mu_);
  for (auto& agent : current_config_locked().agents) {
    const auto id = graph_->find(agent.name);
    if (!id) continue;
    const auto& r = records_[*id];
    if (r.removed || r.reloading || !r.spec.get()) continue;
    if (!reload::changed_agent_keys(*r.spec, agent).empty()) {
      spdlog::info("configuration reload: agent {} still runs its previous plugin and settings (its reconfiguration "
                   "failed); they count as the ones in force",
                   agent.name);
      agent = *r.spec;
    }
  }
}

std::optional<std::string> AgentHost::release_quarantine(const std::string& agent) {
  std::lock_guard serial(reconcile_mu_);  // reconcile() reads quarantine_
  if (!quarantine_.contains(agent))
    return options_.quarantine_file.empty()
               ? "crash quarantine is off on this host (no host.state_dir or $STATE_DIRECTORY)"
               : fmt::format("agent '{}' is not in quarantine", agent);
  if (auto error = supervision::release_from_quarantine(options_.quarantine_file, agent)) return error;
  quarantine_.erase(agent);
  spdlog::info("agent {}: released from crash quarantine; it runs in the host again from the next reload", agent);
  return std::nullopt;
}

ReconcileResult AgentHost::reconcile(config::ClusterConfig next, bool force) {
  std::lock_guard serial(reconcile_mu_);
  ReconcileResult result;
  if (start_wave_running_) {
    result.errors.push_back(
        "the agents the previous reload added are still starting: reload again once `agentctl status` shows them "
        "settled");
    return result;
  }
  if (start_wave_.joinable()) start_wave_.join();  // finished: only the thread is left
  settle_current_config();
  // A quarantined agent stays isolated whatever the files say (they never say it).
  supervision::apply_quarantine(next, quarantine_, options_.quarantine_file);

  // Validation: dependencies on agents this reload removes are the removal's question (below).
  std::unordered_set<std::string> leaving_names;
  {
    std::unordered_set<std::string> next_names;
    for (const auto& a : next.agents) next_names.insert(a.name);
    for (const auto& a : current_config_locked().agents)
      if (!next_names.contains(a.name)) leaving_names.insert(a.name);
    // And agents removed before by force: their dependents run on without them.
    std::lock_guard lock(mu_);
    for (std::size_t n = 0; n < records_.size(); ++n)
      if (records_[n].removed && !next_names.contains(graph_->name(n))) leaving_names.insert(graph_->name(n));
  }
  auto problems =
      config::check_cluster(next, {.strict = false, .check_plugins = false, .removed_agents = leaving_names});
  for (const auto& d : problems.items())
    if (d.severity == config::Severity::error) result.errors.push_back(d.format());
  if (!result.errors.empty()) return result;

  const auto diff = reload::diff_configs(current_config_locked(), next);
  for (const auto& key : diff.host_keys_changed)
    result.warnings.push_back(fmt::format("{} changed: it takes effect when the host is restarted", key));

  std::unordered_map<std::string, const AgentSpec*> next_spec;
  for (const auto& a : next.agents) next_spec.emplace(a.name, &a);
  auto runs_here = [&](const AgentSpec& s) { return machine_ == "all" || s.runs_on(machine_); };

  std::unique_lock lock(mu_);
  if (!startup_finished_) {
    result.errors.push_back("start-up is still running: reload once it has finished");
    return result;
  }
  if (reloads_closed_) {
    result.errors.push_back("the host is stopping");
    return result;
  }
  const auto old_graph = graph_;  // kept alive: graph_ is replaced below
  const auto& graph = *old_graph;
  auto live = [&](std::size_t n) { return records_[n].selected && !records_[n].removed; };

  // What happens to each agent of this host.
  std::vector<std::size_t> leaving;                           // stop for good
  std::vector<std::pair<std::size_t, const AgentSpec*>> hot;  // new instance, state handed over
  std::vector<std::pair<std::size_t, const AgentSpec*>> replace, in_place;
  std::vector<const AgentSpec*> joining;  // added: started here, or known as another machine's
  std::vector<std::pair<std::size_t, const AgentSpec*>> elsewhere;  // another machine's: spec only
  for (const auto& name : diff.removed) {
    auto id = graph.find(name);
    if (id && live(*id)) leaving.push_back(*id);
  }
  for (const auto& change : diff.changed) {
    const auto id = *graph.find(change.name);
    const AgentSpec* spec = next_spec.at(change.name);
    const bool was_here = live(id), is_here = runs_here(*spec);
    if (!was_here && !is_here) {
      elsewhere.emplace_back(id, spec);
    } else if (was_here && !is_here) {
      leaving.push_back(id);
      elsewhere.emplace_back(id, spec);
    } else if (!was_here) {
      replace.emplace_back(id, spec);  // moved here: starts like a replaced agent
    } else {
      auto& r = records_[id];
      std::vector<std::string> restart_keys;
      bool fresh = false, all_in_place = true;
      for (const auto& key : change.keys) {
        if (needs_host_restart(key)) restart_keys.push_back(key);
        fresh |= needs_replace(key);
        all_in_place &= applies_in_place(key);
      }
      if (!restart_keys.empty()) {
        result.errors.push_back(fmt::format("agent '{}': {} changed: a running host keeps an agent's endpoint bound "
                                            "as it is; restart the host to apply it",
                                            change.name, join(restart_keys)));
        continue;
      }
      const bool running = r.state == AgentState::ready && r.instance;
      if (all_in_place) in_place.emplace_back(id, spec);
      else if (fresh || !running || spec->runs_in_child()) replace.emplace_back(id, spec);
      else hot.emplace_back(id, spec);
    }
  }
  for (const auto& name : diff.added) joining.push_back(next_spec.at(name));

  // Refusals, before anything changes: agents busy with a reload or restart, and removals
  // that running agents still depend on.
  auto busy = [&](std::size_t n) {
    if (records_[n].reloading)
      result.errors.push_back(fmt::format("agent '{}' is being reloaded or restarted (or waits for its back-off): "
                                          "reload again when it has settled",
                                          graph.name(n)));
  };
  for (auto n : leaving) busy(n);
  for (auto& [n, s] : hot) busy(n);
  for (auto& [n, s] : replace) busy(n);
  if (!force) {
    const std::set<std::size_t> leaving_set(leaving.begin(), leaving.end());
    for (auto n : leaving) {
      std::vector<std::string> needing;
      for (auto d : graph.dependents(n)) {
        const auto& dr = records_[d];
        if (!live(d) || leaving_set.contains(d) || dr.state != AgentState::ready) continue;
        // Still a dependent in the new configuration (or it would not be one after the reload).
        auto it = next_spec.find(graph.name(d));
        if (it == next_spec.end()) continue;
        const auto& deps = it->second->dependencies;
        if (std::any_of(deps.begin(), deps.end(), [&](const auto& dep) { return dep.name == graph.name(n); }))
          needing.push_back(graph.name(d));
      }
      if (!needing.empty())
        result.errors.push_back(fmt::format("agent '{}' is not removed: running agent{} {} depend{} on it (remove "
                                            "{} too, or reload with --force to stop it anyway)",
                                            graph.name(n), needing.size() == 1 ? "" : "s", join(needing),
                                            needing.size() == 1 ? "s" : "", needing.size() == 1 ? "that" : "them"));
    }
  }
  if (!result.errors.empty()) return result;

  // The new graph: every node keeps its id; added agents get new nodes (or revive their
  // tombstone), in the order of the new configuration.
  auto store = [&](const AgentSpec* s) { return &spec_store_.emplace_back(*s); };
  std::vector<AgentSpec> ordered;
  ordered.reserve(records_.size() + joining.size());
  for (std::size_t n = 0; n < records_.size(); ++n) {
    auto it = next_spec.find(graph.name(n));
    ordered.push_back(it != next_spec.end() ? *it->second : *records_[n].spec);
    if (it == next_spec.end()) ordered.back().dependencies.clear();  // a tombstone waits for nobody
  }
  std::vector<std::size_t> starting;  // the start wave: added, moved here, replaced
  // Another machine's new agents get a node too (unselected): this host's agents may wait for
  // them through the registry.
  for (const AgentSpec* spec : joining) {
    std::size_t node;
    if (auto id = graph.find(spec->name)) {
      node = *id;
      ordered[node] = *spec;
    } else {
      ordered.push_back(*spec);
      records_.emplace_back();
      node = records_.size() - 1;
    }
    auto& r = records_[node];
    r.removed = false;
    init_record(r, store(spec));
    if (!r.selected) continue;
    starting.push_back(node);
    result.added.push_back(spec->name);
  }
  graph_ = std::make_shared<const graph::DependencyGraph>(graph::DependencyGraph::build(ordered));
  plugin_index_ = std::make_shared<const loader::PluginIndex>(config_.host.plugin_dirs);  // plugins that came since

  for (auto& [n, spec] : elsewhere)
    if (!live(n)) records_[n].spec.set(store(spec));
  for (auto& [n, spec] : in_place) {
    auto& r = records_[n];
    r.spec.set(store(spec));
    r.logger->set_level(spec->log_level.value_or(options_.default_log_level));
    r.restart_tracker.reset();  // made again with the new back-off and start limit
    result.reconfigured.push_back(spec->name);
  }
  // Taken now, under the same lock as the checks above: no restart can slip in between.
  for (auto n : leaving) records_[n].reloading = true;
  for (auto& [n, s] : replace) records_[n].reloading = true;
  for (auto& [n, s] : hot) records_[n].reloading = true;
  ++active_reloads_;  // this reload's own, released at the end
  lock.unlock();

  for (const auto& w : result.warnings) spdlog::warn("configuration reload: {}", w);
  stop_removed(leaving, "removed by a configuration reload", true);
  lock.lock();
  for (auto n : leaving) {
    auto& r = records_[n];
    auto it = next_spec.find(graph_->name(n));
    r.removed = it == next_spec.end();
    r.selected = false;
    if (!r.removed) r.spec.set(store(it->second));  // moved to another machine
    r.reloading = false;
    result.removed.push_back(graph_->name(n));
  }
  lock.unlock();
  // Out of the registry, not just "not ready": other hosts forget this instance (etcd deletes
  // its key), and callers of a replica stop considering it.
  for (const auto& name : result.removed) messaging_->registry().withdraw(name);

  // Replaced agents stop now and start in the wave with their new spec.
  std::vector<std::size_t> replaced_nodes;
  for (auto& [n, s] : replace) replaced_nodes.push_back(n);
  stop_removed(replaced_nodes, "replaced by a configuration reload (its kind or program changed)", false);
  lock.lock();
  for (auto& [n, spec] : replace) {
    auto& r = records_[n];
    init_record(r, store(spec));
    r.reloading = false;
    r.failed_library = nullptr;
    r.failed_by_supervision = false;
    r.restart_tracker.reset();
    r.health = Health::unhealthy("waiting to start (configuration reload)");
    transition_locked(r, AgentState::pending, "configuration reload");
    starting.push_back(n);
    result.replaced.push_back(spec->name);
  }
  // Agents whose plugin was missing when they started, and is there now: they try again.
  for (std::size_t n = 0; n < records_.size(); ++n) {
    auto& r = records_[n];
    if (!live(n) || r.reloading || r.instance || r.state != AgentState::failed || !r.plugin_file.empty() ||
        r.spec->kind != config::AgentKind::plugin || !plugin_index_->find(r.spec->plugin) ||
        std::find(starting.begin(), starting.end(), n) != starting.end())
      continue;
    r.failed_by_supervision = false;
    starting.push_back(n);
    result.retried.push_back(r.spec->name);
  }
  for (auto n : starting)
    if (records_[n].state != AgentState::pending) transition_locked(records_[n], AgentState::pending, "added by a configuration reload");

  // Hot reloads, with the new spec; each on a start thread.
  std::vector<std::pair<std::size_t, const AgentSpec*>> hot_stored;
  for (auto& [n, spec] : hot) {
    hot_stored.emplace_back(n, store(spec));
    result.reconfigured.push_back(spec->name);
    ++active_reloads_;
  }
  if (!starting.empty()) {
    start_wave_running_ = true;
    ++active_reloads_;  // the wave's, released when it has settled
  }
  current_config_ = std::move(next);
  auto graph_now = graph_;
  lock.unlock();

  for (auto& [n, spec] : hot_stored)
    pool_.submit([this, node = n, spec = spec] { run_reconfigure(node, spec); });
  if (!starting.empty())
    start_wave_ = std::thread([this, nodes = std::move(starting), graph_now] { run_start_wave(nodes, graph_now); });
  // Released last: stop_all() joins start_wave_ once every count is back (and reconcile_mu_ free).
  lock.lock();
  --active_reloads_;
  lock.unlock();
  cv_.notify_all();
  spdlog::info("configuration reload: {} added, {} removed, {} reconfigured, {} replaced", result.added.size(),
               result.removed.size(), result.reconfigured.size(), result.replaced.size());
  return result;
}

std::optional<std::string> AgentHost::start_again(std::size_t node) {
  // Never waits for a reload: the caller is the control socket's thread.
  std::unique_lock serial(reconcile_mu_, std::try_to_lock);
  if (!serial.owns_lock()) return std::string("a configuration reload is running: try again when it has finished");
  if (start_wave_running_)
    return std::string("agents are being started (by a reload or a restart): try again when they have settled");
  if (start_wave_.joinable()) start_wave_.join();
  std::vector<std::size_t> nodes;
  std::unique_lock lock(mu_);
  if (!startup_finished_) return std::string("start-up is still running");
  if (reloads_closed_) return std::string("the host is stopping");
  auto startable = [&](std::size_t n) {
    const auto& r = records_[n];
    return r.selected && !r.removed && !r.reloading && !r.instance &&
           (r.state == AgentState::failed || r.state == AgentState::blocked);
  };
  if (!startable(node))
    return fmt::format("agent '{}' is {}: it cannot be started again now", graph_->name(node),
                       to_string(records_[node].state));
  // It, and every agent blocked behind it: they start once it is ready.
  nodes.push_back(node);
  for (std::size_t i = 0; i < nodes.size(); ++i)
    for (auto d : graph_->dependents(nodes[i]))
      if (records_[d].state == AgentState::blocked && startable(d) &&
          std::find(nodes.begin(), nodes.end(), d) == nodes.end())
        nodes.push_back(d);
  for (auto n : nodes) {
    auto& r = records_[n];
    r.failed_by_supervision = false;
    r.restart_tracker.reset();
    r.blocked_by.clear();
    r.health = Health::unhealthy("waiting to start (agentctl restart)");
    transition_locked(r, AgentState::pending, "started again by an operator (agentctl restart)");
  }
  start_wave_running_ = true;
  ++active_reloads_;  // the wave's
  auto graph_now = graph_;
  lock.unlock();
  start_wave_ = std::thread([this, nodes = std::move(nodes), graph_now] { run_start_wave(nodes, graph_now); });
  return std::nullopt;
}

bool AgentHost::agents_missing_plugins() const {
  std::lock_guard lock(mu_);
  for (const auto& r : records_)
    if (r.selected && !r.removed && r.state == AgentState::failed && !r.instance && r.plugin_file.empty() &&
        r.spec->kind == config::AgentKind::plugin)
      return true;
  return false;
}

void AgentHost::stop_removed(const std::vector<std::size_t>& nodes, const std::string& why, bool tell) {
  // Dependents before their dependencies: a node that depends on another of the set waits.
  std::vector<std::size_t> order(nodes);
  {
    std::lock_guard lock(mu_);
    const auto levels = graph_->levels();
    std::unordered_map<std::size_t, std::size_t> level_of;
    for (std::size_t l = 0; l < levels.size(); ++l)
      for (auto n : levels[l]) level_of[n] = l;
    std::sort(order.begin(), order.end(), [&](auto a, auto b) { return level_of[a] > level_of[b]; });
  }
  for (auto node : order) {
    std::shared_ptr<AgentInstance> instance;
    std::string name;
    {
      std::lock_guard lock(mu_);
      auto& r = records_[node];
      name = r.spec->name;
      instance = std::move(r.instance);
      if (instance) transition_locked(r, AgentState::stopping, why);
    }
    if (instance) health_.unwatch(node);
    messaging_->agent_gone(name, why, config_.host.stop_timeout);
    if (instance) {
      if (auto error = stop_in_time(std::move(instance))) errors_.report(name, "stop", Severity::error, *error);
    }
    {
      std::lock_guard lock(mu_);
      auto& r = records_[node];
      r.health = Health::unhealthy(why);
      r.task.reset();
      transition_locked(r, AgentState::stopped, why);
    }
    if (tell) tell_dependents(node, DependencyEvent::Kind::failed, why);
  }
}

void AgentHost::run_reconfigure(std::size_t node, const config::AgentSpec* spec) {
  std::filesystem::path file;
  {
    std::lock_guard lock(mu_);
    auto& r = records_[node];
    if (spec->plugin != r.spec->plugin) {
      if (auto found = plugin_index_->find(spec->plugin)) file = *found;
    } else {
      file = r.plugin_file;
    }
  }
  if (file.empty()) {
    errors_.report(spec->name, "reload",
                   Severity::error, fmt::format("reconfiguration refused: plugin '{}' is not in host.plugin_dirs; the "
                                                "previous code and settings keep serving",
                                                spec->plugin));
  } else {
    auto loaded = load_fresh_copy(file);
    if (auto* error = std::get_if<std::string>(&loaded)) {
      errors_.report(spec->name, "reload", Severity::error,
                     fmt::format("reconfiguration refused: {}; the previous code and settings keep serving", *error));
    } else {
      reload_one(node, std::get<std::shared_ptr<loader::PluginLibrary>>(loaded), spec, file);
    }
  }
  end_reloading({node});
}

void AgentHost::run_start_wave(std::vector<std::size_t> nodes, std::shared_ptr<const graph::DependencyGraph> graph) {
  std::unique_lock lock(mu_);
  std::vector<bool> in_wave(graph->size(), false);
  for (auto n : nodes) in_wave[n] = true;
  std::vector<double> weights(graph->size());
  for (std::size_t n = 0; n < weights.size(); ++n) {
    const auto& e = records_[n].spec->expected_start;
    weights[n] = (e ? double(e->count()) : 0.0) + 1.0;
  }
  StartScheduler scheduler(*graph, in_wave, graph->tail_lengths(weights), config::StartStrategy::eager,
                           config_.host.startup_parallelism);

  // Dependencies outside the wave: ready ones count at once; a removed, failed or stopped one
  // blocks its dependents here; another machine's is waited for through the registry.
  std::vector<StartScheduler::Blocked> cascade;
  bool remote = false;
  for (auto n : nodes) {
    for (auto d : graph->dependencies(n)) {
      if (in_wave[d]) continue;
      const auto& dr = records_[d];
      std::string why;
      if (dr.removed) why = fmt::format("dependency '{}' was removed by a configuration reload", graph->name(d));
      else if (!dr.selected) {
        remote = true;
        continue;
      } else if (dr.state == AgentState::ready || dr.reloading) {
        scheduler.mark_remote_ready(d);
        continue;
      } else {
        why = fmt::format("dependency '{}' is {}", graph->name(d), to_string(dr.state));
      }
      if (scheduler.state(n) != StartScheduler::NodeState::waiting &&
          scheduler.state(n) != StartScheduler::NodeState::eligible)
        break;
      auto& r = records_[n];
      r.health = Health::unhealthy(why);
      r.blocked_by = graph->name(d);
      transition_locked(r, AgentState::blocked, why);
      for (auto& b : scheduler.block(n))
        if (b.node != n) cascade.push_back({b.node, n});
      break;
    }
  }
  apply_blocks(cascade);
  std::optional<std::chrono::steady_clock::time_point> remote_wait_until;
  if (remote) {
    remote_wait_until = std::chrono::steady_clock::now() + config_.host.startup_timeout;
    subscribe_remote_ready_locked(graph);
    for (const auto& e : messaging_->registry().entries()) {
      auto id = graph->find(e.agent);
      if (e.ready && id && !records_[*id].selected) remote_ready_.push_back(*id);
    }
  }
  drive_starts(lock, scheduler, start_wave_stop_, {}, remote_wait_until);
  if (registry_listener_) {
    lock.unlock();
    messaging_->registry().unsubscribe(registry_listener_);
    lock.lock();
    registry_listener_ = 0;
  }
  remote_ready_.clear();
  std::size_t ready = 0;
  for (auto n : nodes) ready += records_[n].state == AgentState::ready;
  spdlog::info("start wave: {} of {} agent{} ready", ready, nodes.size(), nodes.size() == 1 ? "" : "s");
  start_wave_running_ = false;
  --active_reloads_;
  lock.unlock();
  cv_.notify_all();
}

}  // namespace agenthost::runtime
