#include "loader/plugin_locator.hpp"

#include <system_error>

namespace agenthost::loader {

std::vector<std::filesystem::path> plugin_candidates(const std::vector<std::string>& plugin_dirs,
                                                     const std::string& plugin_name) {
  std::vector<std::filesystem::path> out;
  out.reserve(plugin_dirs.size() * 2);
  for (const auto& dir : plugin_dirs) {
    out.push_back(std::filesystem::path(dir) / ("lib" + plugin_name + ".so"));
    out.push_back(std::filesystem::path(dir) / (plugin_name + ".so"));
  }
  return out;
}

std::string describe_plugin_search(const std::vector<std::string>& plugin_dirs,
                                   const std::string& plugin_name) {
  if (plugin_dirs.empty()) return "host.plugin_dirs is empty";
  std::string out = "tried ";
  for (const auto& candidate : plugin_candidates(plugin_dirs, plugin_name)) {
    if (out.size() > 6) out += ", ";
    out += candidate.string();
  }
  return out;
}

std::optional<std::filesystem::path> find_plugin(const std::vector<std::string>& plugin_dirs,
                                                 const std::string& plugin_name) {
  for (auto& candidate : plugin_candidates(plugin_dirs, plugin_name)) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(candidate, ec)) return candidate;
  }
  return std::nullopt;
}

}  // namespace agenthost::loader
