#include "supervision/crash_quarantine.hpp"

#include <signal.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "control/atomic_file.hpp"
#include "observability/utc_time.hpp"

namespace agenthost::supervision {

std::string quarantine_file(const std::string& state_dir) {
  return state_dir.empty() ? "" : state_dir + "/quarantine";
}

std::map<std::string, Crash> read_quarantine(const std::string& file) {
  std::map<std::string, Crash> crashes;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string agent;
    Crash crash;
    if (!(fields >> agent >> crash.signal >> crash.unix_seconds)) continue;
    auto& known = crashes[agent];
    crash.count = known.count + 1;
    known = crash;
  }
  return crashes;
}

std::optional<std::string> release_from_quarantine(const std::string& file, const std::string& agent) {
  std::ifstream in(file);
  if (!in) return fmt::format("cannot read {}", file);
  std::string kept, line;
  bool found = false;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string name;
    if (fields >> name && name == agent) {
      found = true;
      continue;
    }
    kept += line + "\n";
  }
  if (!found) return fmt::format("agent '{}' is not in quarantine ({} does not name it)", agent, file);
  // A crash recorded while this runs appends to the file this replaces: the window is this
  // function's, and the operator is looking at the host right then.
  return control::write_file_atomically(file, kept, 0640);
}

std::string quarantine_reason(const Crash& crash, const std::string& file) {
  const char* name = sigabbrev_np(crash.signal);
  const char* description = sigdescr_np(crash.signal);
  return fmt::format("its code crashed the host{}, last with SIG{} ({}) at {}; it runs isolated until `agentctl "
                     "release` (or its lines are removed from {})",
                     crash.count > 1 ? fmt::format(" {} times", crash.count) : "", name ? name : "?",
                     description ? description : "unknown signal",
                     observability::format_utc_time_ms(crash.unix_seconds * 1000),
                     file);
}

std::vector<std::string> apply_quarantine(config::ClusterConfig& config, const std::map<std::string, Crash>& crashes,
                                          const std::string& file) {
  std::vector<std::string> applied;
  for (auto& agent : config.agents) {
    auto it = crashes.find(agent.name);
    if (it == crashes.end() || agent.kind != config::AgentKind::plugin) continue;
    agent.isolation = config::Isolation::process;
    agent.quarantined = quarantine_reason(it->second, file);
    applied.push_back(agent.name);
  }
  return applied;
}

}  // namespace agenthost::supervision
