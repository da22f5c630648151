#include "loader/plugin_prefetch.hpp"


namespace agenthost::loader {

void PluginPrefetch::run(const PluginIndex& index, const std::vector<std::string>& plugins) {
  for (const auto& plugin : plugins) {
    if (released_.load()) return;
    auto file = index.find(plugin);
    if (!file) continue;
    auto loaded = cache_.get(*file);
    auto* library = std::get_if<std::shared_ptr<PluginLibrary>>(&loaded);
    if (!library) continue;
    std::lock_guard lock(mu_);
    if (released_.load()) return;  // the reference is dropped here, on this (pool) thread
    held_.push_back(std::move(*library));
  }
}

std::vector<std::shared_ptr<PluginLibrary>> PluginPrefetch::release() {
  std::lock_guard lock(mu_);
  released_ = true;
  return std::move(held_);
}

}  // namespace agenthost::loader
