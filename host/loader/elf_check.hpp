#pragma once
// Is this file a whole ELF shared object? dlopen() maps a truncated library without a word
// and the process dies of SIGBUS when it touches a page past the end of the file — a plugin
// caught half-copied must be refused before it is loaded.

#include <filesystem>
#include <optional>
#include <string>

namespace agenthost::loader {

// std::nullopt when the file is a 64-bit ELF whose segments and section headers all lie
// inside it; otherwise what is wrong ("truncated: ... ends at byte N, the file has M").
std::optional<std::string> check_complete_elf(const std::filesystem::path& path);

}  // namespace agenthost::loader
