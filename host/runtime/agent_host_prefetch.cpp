// AgentHost: loading the plugin files before the first start (see start_all()).

#include <algorithm>
#include <set>

#include "runtime/agent_host.hpp"
#include "runtime/agent_host_record.hpp"

namespace agenthost::runtime {

void AgentHost::prefetch_plugins(const std::vector<double>& priority) {
  // The order agents will need their files in: by level, longest chain first within one.
  std::vector<std::size_t> order;
  for (const auto& level : graph_->levels()) {
    auto first = order.size();
    for (auto n : level)
      if (records_[n].selected) order.push_back(n);
    std::stable_sort(order.begin() + std::ptrdiff_t(first), order.end(),
                     [&](std::size_t a, std::size_t b) { return priority[a] > priority[b]; });
  }
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

void AgentHost::end_prefetch() {
  if (!prefetch_) return;
  // Libraries no agent took are unloaded on a pool thread: unloading runs plugin code.
  pool_.submit([unused = prefetch_->release()] {});
  prefetch_.reset();
}

}  // namespace agenthost::runtime
