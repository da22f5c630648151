#include "loader/plugin_cache.hpp"

#include <chrono>

#include <spdlog/spdlog.h>

namespace agenthost::loader {

PluginCache::Result PluginCache::get(const std::filesystem::path& path) {
  std::shared_ptr<Entry> entry;
  {
    std::lock_guard lock(mu_);
    auto& slot = entries_[path.native()];
    if (!slot) slot = std::make_shared<Entry>();
    entry = slot;
  }
  // One load per file at a time: two agents of one plugin must not load (and check) it twice.
  auto alive = [&] {
    std::lock_guard value_lock(entry->value_mu);
    return entry->library.lock();
  };
  if (auto library = alive()) return library;
  std::lock_guard load_lock(entry->load_mu);
  if (auto library = alive()) return library;
  const auto begin = std::chrono::steady_clock::now();
  auto loaded = PluginLibrary::load(path);
  spdlog::debug("plugin {}: loaded in {:.2f} ms", path.string(),
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - begin)
                    .count());
  if (auto* library = std::get_if<std::shared_ptr<PluginLibrary>>(&loaded)) {
    std::lock_guard value_lock(entry->value_mu);
    entry->library = *library;
  }
  return loaded;
}

std::size_t PluginCache::loaded_count() const {
  std::lock_guard lock(mu_);
  std::size_t n = 0;
  for (auto& [file, entry] : entries_) {
    std::lock_guard value_lock(entry->value_mu);
    n += entry->library.expired() ? 0 : 1;
  }
  return n;
}

}  // namespace agenthost::loader
