// AgentHost: loading the plugin files before the first start, and binding the agents'
// sockets ahead of their starts (see start_all()).

#include <algorithm>
#include <set>

#include "runtime/agent_host.hpp"
#include "runtime/agent_host_record.hpp"

namespace agenthost::runtime {

std::vector<std::size_t> AgentHost::start_order(const std::vector<double>& priority) const {
  // By level, longest chain first within one.
  std::vector<std::size_t> order;
  for (const auto& level : graph_->levels()) {
    auto first = order.size();
    for (auto n : level)
      if (records_[n].selected) order.push_back(n);
    std::stable_sort(order.begin() + std::ptrdiff_t(first), order.end(),
                     [&](std::size_t a, std::size_t b) { return priority[a] > priority[b]; });
  }
  return order;
}

void AgentHost::prefetch_plugins(const std::vector<double>& priority) {
  // The order agents will need their files in.
  const auto order = start_order(priority);
  std::vector<std::string> plugins;
  std::set<std::string> seen;
  for (auto n : order) {
    if (records_[n].spec->runs_in_child()) continue;  // no plugin file, or loaded by its child only
    if (seen.insert(records_[n].spec->plugin).second) plugins.push_back(records_[n].spec->plugin);
  }
  prefetch_ = std::make_shared<loader::PluginPrefetch>(plugins_);
  prefetch_done_ = false;
  pool_.submit([this, prefetch = prefetch_, index = plugin_index_, plugins = std::move(plugins)] {
    prefetch->run(*index, plugins);
    {
      std::lock_guard lock(mu_);
      prefetch_done_ = true;
    }
    cv_.notify_all();
  });
}

void AgentHost::bind_ahead_locked(std::vector<std::size_t> order) {
  // Creating and binding an agent's sockets costs 0.2-0.9 ms (more while other agents start
  // beside it); done in its start, that is on the critical path at every hop of a dependency
  // chain. Done here, in start order, while the agents wait for their dependencies, the start
  // finds them bound. A failure (a port taken) is left for the start to meet and report.
  bind_ahead_stop_ = false;
  pool_.submit([this, order = std::move(order)] {
    for (auto n : order) {
      const config::AgentSpec* spec = nullptr;  // specs are never freed; no reload runs meanwhile
      {
        std::lock_guard lock(mu_);
        if (bind_ahead_stop_) return;  // also when this task only ran after start-up was over
        const auto& r = records_[n];
        const bool waiting = r.state == AgentState::pending && !r.timings.load_begin;
        const bool starting = r.state == AgentState::loaded || r.state == AgentState::configured ||
                              r.state == AgentState::starting;
        if (!waiting && !starting) continue;  // ready (bound by its start), failed, blocked
        spec = r.spec.get();
        binding_ahead_ = true;
      }
      messaging_->bind_ahead(spec->name, spec->concurrency, spec->port, spec->port_auto);
      bool waited_for = false;
      {
        std::lock_guard lock(mu_);
        binding_ahead_ = false;
        waited_for = bind_ahead_stop_;
        publish_status_locked(records_[n]);  // what agenthost.health answers over its socket
      }
      if (waited_for) cv_.notify_all();
    }
  });
}

void AgentHost::end_bind_ahead(std::unique_lock<std::mutex>& lock) {
  // Waits for the bind in progress, if any; the task stops before its next one (or at once,
  // if the pool has not run it yet).
  bind_ahead_stop_ = true;
  cv_.wait(lock, [&] { return !binding_ahead_; });
}

void AgentHost::end_prefetch() {
  if (!prefetch_) return;
  // Libraries no agent took are unloaded on a pool thread: unloading runs plugin code.
  pool_.submit([unused = prefetch_->release()] {});
  prefetch_.reset();
}

}  // namespace agenthost::runtime
