#pragma once
// Who may write a plugin file decides what code runs in the host: a plugin file, or the
// folder it is in, that anyone but root or the user the host runs as can write is refused
// (README, "Security"). Group-writable counts as writable by others: a service's group is
// where operators are added to use agentctl.

#include <filesystem>
#include <optional>
#include <string>

namespace agenthost::loader {

// Why `file` must not be loaded, naming the file or folder and the fix; nullopt when it is
// safe. The file and the folder that holds it are checked (symbolic links followed).
std::optional<std::string> unsafe_plugin_permissions(const std::filesystem::path& file);

}  // namespace agenthost::loader
