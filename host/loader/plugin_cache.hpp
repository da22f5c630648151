#pragma once
// Loads each plugin file once per host while agents use it: 84 agents of the `simulated`
// plugin share one PluginLibrary. The cache holds weak references only, so a library is
// unloaded as soon as its last user is gone. Thread-safe; loading one file never blocks a
// caller that wants another file that is already loaded.

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <variant>

#include "loader/plugin_library.hpp"

namespace agenthost::loader {

class PluginCache {
 public:
  using Result = std::variant<std::shared_ptr<PluginLibrary>, std::string>;

  // The library at `path`, loading it if no one holds it. A failed load is not remembered:
  // the next call tries again (the file may have been fixed).
  Result get(const std::filesystem::path& path);

  // Libraries currently loaded through this cache (for status and metrics).
  std::size_t loaded_count() const;

 private:
  struct Entry {
    std::mutex load_mu;  // held while this file loads (which can take long, or hang)
    std::mutex value_mu;  // never held for long
    std::weak_ptr<PluginLibrary> library;  // guarded by value_mu
  };

  mutable std::mutex mu_;
  // By the path's text: std::filesystem::path compares component by component, which a
  // thousand plugins loading at once made a measurable part of start-up.
  std::unordered_map<std::string, std::shared_ptr<Entry>> entries_;  // guarded by mu_
};

}  // namespace agenthost::loader
