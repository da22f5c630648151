#include "pss.hpp"

#include <charconv>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>

#include <fmt/core.h>

namespace agenthost::bench {

std::uint64_t pss_kib(pid_t pid) {
  const auto path = fmt::format("/proc/{}/smaps_rollup", pid);
  std::ifstream file(path);
  if (!file) throw std::runtime_error(fmt::format("cannot read {}", path));
  // The line looks like "Pss:                1234 kB".
  constexpr std::string_view kKey = "Pss:";
  for (std::string line; std::getline(file, line);) {
    if (!line.starts_with(kKey)) continue;
    const auto digits = line.find_first_of("0123456789", kKey.size());
    std::uint64_t kib = 0;
    if (digits != std::string::npos) {
      const char* last = line.data() + line.size();
      const auto [end, error] = std::from_chars(line.data() + digits, last, kib);
      if (error == std::errc() && std::string_view(end, last - end) == " kB") return kib;
    }
    throw std::runtime_error(fmt::format("{}: unexpected line '{}'", path, line));
  }
  throw std::runtime_error(fmt::format("{}: no Pss line", path));
}

std::uint64_t pss_kib(std::span<const pid_t> pids) {
  std::uint64_t total = 0;
  for (const pid_t pid : pids) total += pss_kib(pid);
  return total;
}

}  // namespace agenthost::bench
