#pragma once
// Helpers shared by the integration tests: a host config in a temp folder, a running host,
// and agentctl answers as JSON.

#include <string>

#include <nlohmann/json.hpp>

#include "support/child_process.hpp"
#include "support/test_dir.hpp"

namespace agenthost::testing {

// The `host:` section of a test config: both plugin folders, the control socket in `dir`.
inline std::string host_section(const TestDir& dir, const std::string& extra = "") {
  return "host:\n"
         "  name: main_pc\n"
         "  plugin_dirs: [" AGENTHOST_PLUGIN_DIR ", " AGENTHOST_TEST_PLUGIN_DIR "]\n"
         "  control: { socket: " + dir.file("control.sock") + " }\n"
         "  health: { interval: 100ms, timeout: 200ms }\n" + extra;
}

inline std::unique_ptr<ChildProcess> start_host(const std::string& config,
                                                std::vector<std::string> extra_args = {}) {
  // Debug level: the tests read every state transition from the log.
  std::vector<std::string> argv{AGENTHOST_BIN, "run", "--config", config, "--log-level", "debug"};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  return std::make_unique<ChildProcess>(argv);
}

inline CommandResult agentctl(const TestDir& dir, std::vector<std::string> args) {
  std::vector<std::string> argv{AGENTCTL_BIN, "--socket", dir.file("control.sock")};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv);
}

// `agentctl status --json`, parsed; an agent's entry by name.
inline nlohmann::json status_json(const TestDir& dir) {
  auto r = agentctl(dir, {"status", "--json"});
  if (r.exit_code != 0) return nullptr;
  return nlohmann::json::parse(r.output, nullptr, false);
}

inline nlohmann::json agent_entry(const nlohmann::json& status, const std::string& name) {
  for (const auto& a : status.at("agents"))
    if (a.at("name") == name) return a;
  return nullptr;
}

}  // namespace agenthost::testing
