#include "registry_lines.hpp"

namespace agenthost::bench {

std::optional<RegistryChange> parse_registry_line(std::string_view line) {
  const auto start = line.find(kRegistryLine);
  if (start == std::string_view::npos) return std::nullopt;
  line.remove_prefix(start + std::string_view(kRegistryLine).size());
  constexpr std::string_view kMachine = " on machine ", kNow = " now ";
  const auto machine_at = line.find(kMachine);
  const auto now_at = line.find(kNow);
  if (machine_at == std::string_view::npos || now_at == std::string_view::npos || now_at < machine_at)
    return std::nullopt;
  RegistryChange change;
  change.agent = line.substr(0, machine_at);
  change.machine = line.substr(machine_at + kMachine.size(), now_at - machine_at - kMachine.size());
  const auto state = line.substr(now_at + kNow.size());
  if (state != "ready" && state != "not ready") return std::nullopt;
  change.ready = state == "ready";
  return change;
}

std::string registry_line(const std::string& agent, const std::string& machine, bool ready) {
  return kRegistryLine + agent + " on machine " + machine + " now " + (ready ? "ready" : "not ready");
}

}  // namespace agenthost::bench
