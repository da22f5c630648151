#pragma once
// `agenthost run`: the daemon.

#include <chrono>
#include <optional>
#include <string>

namespace agenthost::cli {

// Exit codes (DESIGN.md section 2).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitConfig = 78;  // EX_CONFIG: systemd's RestartPreventExitStatus

struct RunOptions {
  std::string config_path;
  std::string machine;   // "" = host.name; "all" = every machine's agents
  std::string strategy;  // "" = host.startup.strategy
  std::string log_level;   // "" = host.log.level
  std::string log_format;  // "" = host.log.format
  // Set by a host for its isolated agent's child (--isolated-child DIR): the folder that links
  // them (isolation/isolated_children.hpp). "" for a host.
  std::string isolated_child_dir;
  std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
};

// Runs until SIGINT/SIGTERM, then stops every agent and returns the exit code.
int run_host(const RunOptions& options);

}  // namespace agenthost::cli
