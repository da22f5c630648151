#include "loader/shadow_library.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <system_error>

#include <fmt/format.h>

namespace agenthost::loader {

namespace {

// The folders of hosts that ended without removing theirs (SIGKILL, a crash): their process
// is gone. Another user's folders are not ours to remove, and the removal fails quietly.
void remove_stale_shadow_dirs(const std::filesystem::path& base) {
  std::error_code ec;
  for (std::filesystem::directory_iterator it(base, ec), end; !ec && it != end; it.increment(ec)) {
    const auto name = it->path().filename().string();
    int pid = 0;
    char rest = 0;
    if (std::sscanf(name.c_str(), "agenthost-%d-reloa%c", &pid, &rest) != 2 || rest != 'd' || pid <= 0) continue;
    if (name != fmt::format("agenthost-{}-reload", pid) || pid == ::getpid()) continue;
    std::error_code alive;
    if (std::filesystem::exists(fmt::format("/proc/{}", pid), alive)) continue;
    std::error_code removed;
    std::filesystem::remove_all(it->path(), removed);
  }
}

}  // namespace

std::filesystem::path make_shadow_dir() {
  const char* tmp = std::getenv("TMPDIR");
  const std::filesystem::path base = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
  remove_stale_shadow_dirs(base);
  const auto dir = base / fmt::format("agenthost-{}-reload", ::getpid());
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  // Private: the copies are loaded from here, and the plugin checks refuse a writable folder.
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all, ec);
  return dir;
}

std::variant<std::shared_ptr<PluginLibrary>, std::string> load_shadow_copy(const std::filesystem::path& file,
                                                                           const std::filesystem::path& shadow_dir,
                                                                           std::uint64_t generation) {
  const auto shadow = shadow_dir / fmt::format("{}.{}.so", file.stem().string(), generation);
  std::error_code ec;
  std::filesystem::create_directories(shadow_dir, ec);
  std::filesystem::copy_file(file, shadow, std::filesystem::copy_options::overwrite_existing, ec);
  if (ec) return fmt::format("cannot copy {} to {} for loading: {}", file.string(), shadow.string(), ec.message());
  auto loaded = PluginLibrary::load(shadow);
  std::filesystem::remove(shadow, ec);
  if (auto* error = std::get_if<std::string>(&loaded)) {
    // The message names the copy; the operator knows the file they replaced.
    std::string text = *error;
    for (auto at = text.find(shadow.string()); at != std::string::npos; at = text.find(shadow.string(), at)) {
      text.replace(at, shadow.string().size(), file.string());
      at += file.string().size();
    }
    return text;
  }
  return loaded;
}

bool still_mapped(const std::filesystem::path& path) {
  std::ifstream maps("/proc/self/maps");
  const std::string needle = path.string();
  for (std::string line; std::getline(maps, line);) {
    const auto at = line.find(needle);
    if (at == std::string::npos) continue;
    const auto rest = line.substr(at + needle.size());
    if (rest.empty() || rest == " (deleted)") return true;
  }
  return false;
}

}  // namespace agenthost::loader
