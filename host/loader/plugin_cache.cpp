#include "loader/plugin_cache.hpp"

#include <chrono>

#include <spdlog/spdlog.h>

namespace agenthost::loader {

std::variant<std::shared_ptr<PluginLibrary>, std::string> PluginCache::get(
    const std::filesystem::path& path) {
  // Loading under the lock is deliberate: dlopen serialises on glibc's loader lock anyway,
  // and it keeps two agents of one plugin from loading (and checking) the file twice.
  std::lock_guard lock(mu_);
  if (auto it = libraries_.find(path); it != libraries_.end()) {
    if (auto alive = it->second.lock()) return alive;
  }
  const auto begin = std::chrono::steady_clock::now();
  auto loaded = PluginLibrary::load(path);
  spdlog::debug("plugin {}: loaded in {:.2f} ms", path.string(),
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - begin)
                    .count());
  if (auto* library = std::get_if<std::shared_ptr<PluginLibrary>>(&loaded)) {
    libraries_[path] = *library;
  }
  return loaded;
}

std::size_t PluginCache::loaded_count() const {
  std::lock_guard lock(mu_);
  std::size_t n = 0;
  for (auto& [path, weak] : libraries_) n += weak.expired() ? 0 : 1;
  return n;
}

}  // namespace agenthost::loader
