#pragma once
// Loading a changed plugin file for a hot reload. dlopen() caches libraries by path: opening
// the same path again returns the old code. So the file is copied to a path of its own
// (<shadow dir>/<name>.<generation>.so), loaded from there and the copy unlinked at once —
// the mapping keeps it alive, and nothing is left on disk, even after a crash.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <variant>

#include "loader/plugin_library.hpp"

namespace agenthost::loader {

// A fresh folder for shadow copies of this process (under $TMPDIR, or /tmp); those of hosts
// that died without removing theirs go first.
std::filesystem::path make_shadow_dir();

// Copies `file`, loads and checks the copy (PluginLibrary::load), unlinks the copy. An error
// names `file` and says what is wrong (missing, truncated, not a plugin, wrong API, ...).
std::variant<std::shared_ptr<PluginLibrary>, std::string> load_shadow_copy(const std::filesystem::path& file,
                                                                           const std::filesystem::path& shadow_dir,
                                                                           std::uint64_t generation);

// True while a file at `path` (or one unlinked from there) is mapped into this process:
// after the last reference to a library is gone, its code should be unmapped too.
bool still_mapped(const std::filesystem::path& path);

}  // namespace agenthost::loader
