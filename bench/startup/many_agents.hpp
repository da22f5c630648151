#pragma once
// The 1000-agent case: a temp folder with one copy of a zero-cost plugin per agent (separate
// files, so that each is its own library, as with real agents) and a config with a random
// DAG over them (fixed seed).

#include <chrono>
#include <filesystem>
#include <string>

namespace agenthost::bench {

struct ManyAgents {
  std::filesystem::path dir;     // holds agent_NNNN.so and agenthost.yaml
  std::filesystem::path config;  // dir / "agenthost.yaml"
};

// `plugin` is the simulated plugin, copied `count` times; `control_socket` and `admin_port`
// go into the host section.
ManyAgents make_many_agents(const std::filesystem::path& dir, const std::filesystem::path& plugin,
                            int count, const std::string& control_socket, int admin_port);

// Baseline: dlopen(RTLD_NOW | RTLD_LOCAL) of every copy in this process, then dlclose. The
// plugin's own dependencies (yaml-cpp, spdlog, fmt) are loaded first and not timed: the host
// has them loaded before any plugin too. Throws std::runtime_error when a dlopen fails.
std::chrono::nanoseconds time_plain_dlopen(const ManyAgents& agents, int count,
                                           const std::filesystem::path& plugin);

}  // namespace agenthost::bench
