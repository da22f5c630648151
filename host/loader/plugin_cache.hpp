#pragma once
// Loads each plugin file once per host while agents use it: 84 agents of the `simulated`
// plugin share one PluginLibrary. The cache holds weak references only, so a library is
// unloaded as soon as its last agent is gone. Thread-safe.

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <variant>

#include "loader/plugin_library.hpp"

namespace agenthost::loader {

class PluginCache {
 public:
  std::variant<std::shared_ptr<PluginLibrary>, std::string> get(const std::filesystem::path& path);

  // Libraries currently loaded through this cache (for status and metrics).
  std::size_t loaded_count() const;

 private:
  mutable std::mutex mu_;
  std::map<std::filesystem::path, std::weak_ptr<PluginLibrary>> libraries_;  // guarded by mu_
};

}  // namespace agenthost::loader
