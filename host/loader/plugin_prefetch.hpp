#pragma once
// Loads plugin files ahead of the agents that need them, in the order they will be needed,
// back to back on one thread. glibc serialises dlopen anyway; this way the loads overlap the
// agents' configure/start instead of every start thread queueing for the loader lock (with
// 1000 one-agent plugins that queueing cost more than the loads themselves).
//
// A file that fails to load is simply skipped: the agent's own start loads it again and
// reports the error. Loading runs plugin code (static initialisers), so run() belongs on a
// pool thread, never the control thread.

#include <atomic>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "loader/plugin_cache.hpp"
#include "loader/plugin_index.hpp"

namespace agenthost::loader {

class PluginPrefetch {
 public:
  explicit PluginPrefetch(PluginCache& cache) : cache_(cache) {}

  // Finds and loads each plugin in order until release() is called. Any thread; returns
  // when done.
  void run(const PluginIndex& index, const std::vector<std::string>& plugins);

  // Stops loading after the current file and hands over every reference it holds. Dropping
  // them unloads the libraries no agent took, which runs their static destructors: drop
  // them on a pool thread. Any thread.
  std::vector<std::shared_ptr<PluginLibrary>> release();

 private:
  PluginCache& cache_;
  std::atomic<bool> released_{false};
  std::mutex mu_;
  std::vector<std::shared_ptr<PluginLibrary>> held_;  // guarded by mu_
};

}  // namespace agenthost::loader
