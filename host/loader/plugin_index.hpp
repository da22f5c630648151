#pragma once
// A snapshot of the plugin directories' file names, taken with one readdir per directory, so
// that finding the files of 1000 plugins costs no stat() each (and there are two per plugin
// with find_plugin). Lookups follow find_plugin's order; a name the snapshot does not have
// (a file that arrived after it was taken) falls back to find_plugin.

#include <filesystem>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace agenthost::loader {

class PluginIndex {
 public:
  explicit PluginIndex(std::vector<std::string> plugin_dirs);

  std::optional<std::filesystem::path> find(const std::string& plugin_name) const;
  const std::vector<std::string>& plugin_dirs() const { return plugin_dirs_; }

 private:
  struct Candidate {
    std::size_t rank;  // dir index * 2, +1 for NAME.so (libNAME.so wins within a dir)
    std::filesystem::path path;
  };
  std::vector<std::string> plugin_dirs_;
  std::unordered_map<std::string, Candidate> best_;  // plugin name -> first file by rank
};

}  // namespace agenthost::loader
