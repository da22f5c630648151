#pragma once
// Finds a plugin's file by name: the first of `dir/libNAME.so`, `dir/NAME.so` over the
// plugin directories in order.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace agenthost::loader {

std::optional<std::filesystem::path> find_plugin(const std::vector<std::string>& plugin_dirs,
                                                 const std::string& plugin_name);

// The file names that were tried, for "not found" messages.
std::vector<std::filesystem::path> plugin_candidates(const std::vector<std::string>& plugin_dirs,
                                                     const std::string& plugin_name);

// "tried /a/libx.so, /a/x.so", or "host.plugin_dirs is empty": the middle of every
// "plugin not found" message, so that check and run say the same.
std::string describe_plugin_search(const std::vector<std::string>& plugin_dirs,
                                   const std::string& plugin_name);

}  // namespace agenthost::loader
