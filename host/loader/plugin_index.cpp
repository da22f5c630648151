#include "loader/plugin_index.hpp"

#include <string_view>
#include <system_error>

#include "loader/plugin_locator.hpp"

namespace agenthost::loader {

PluginIndex::PluginIndex(std::vector<std::string> plugin_dirs)
    : plugin_dirs_(std::move(plugin_dirs)) {
  for (std::size_t d = 0; d < plugin_dirs_.size(); ++d) {
    std::error_code ec;
    for (std::filesystem::directory_iterator it(plugin_dirs_[d], ec), end; !ec && it != end;
         it.increment(ec)) {
      std::string file = it->path().filename().string();
      std::string_view name(file);
      if (!name.ends_with(".so")) continue;
      name.remove_suffix(3);
      std::size_t rank = d * 2 + 1;
      if (name.starts_with("lib")) {
        // libNAME.so serves `plugin: NAME`; it may also be a plugin literally named libNAME.
        std::error_code type_ec;
        if (!it->is_regular_file(type_ec)) continue;
        auto stripped = std::string(name.substr(3));
        auto [slot, added] = best_.try_emplace(stripped, Candidate{d * 2, it->path()});
        if (!added && slot->second.rank > d * 2) slot->second = {d * 2, it->path()};
      }
      std::error_code type_ec;
      if (!it->is_regular_file(type_ec)) continue;
      auto [slot, added] = best_.try_emplace(std::string(name), Candidate{rank, it->path()});
      if (!added && slot->second.rank > rank) slot->second = {rank, it->path()};
    }
  }
}

std::optional<std::filesystem::path> PluginIndex::find(const std::string& plugin_name) const {
  if (auto it = best_.find(plugin_name); it != best_.end()) return it->second.path;
  return find_plugin(plugin_dirs_, plugin_name);
}

}  // namespace agenthost::loader
