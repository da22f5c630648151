#pragma once
// Helpers shared by the integration tests: a host config in a temp folder, a running host,
// and agentctl answers as JSON.

#include <cstdlib>
#include <map>
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

// A config whose agents' ports and admin listener (port 0) are on the test's own `address`;
// `agents` is the YAML list below `agents:`.
inline std::string config_with_admin(const TestDir& dir, const std::string& address,
                                     const std::string& agents) {
  return dir.write("host.yaml",
                   host_section(dir, "  bind: " + address + "\n  admin: { listen: \"" + address +
                                         ":0\" }\n") +
                       "agents:\n" + agents);
}

// The environment for a host whose agents crash on purpose: a segfault must reach the host's
// own handler and end in SIGSEGV in the sanitizer builds too, whose runtimes would otherwise
// catch it and exit with their own status.
inline std::map<std::string, std::string> real_crash_env() {
  std::map<std::string, std::string> env;
  for (const char* name : {"ASAN_OPTIONS", "TSAN_OPTIONS", "UBSAN_OPTIONS"}) {
    const char* now = std::getenv(name);
    env[name] = std::string(now ? now : "") + " handle_segv=0 handle_abort=0 allow_user_segv_handler=1";
  }
  return env;
}

inline std::unique_ptr<ChildProcess> start_host(const std::string& config,
                                                std::vector<std::string> extra_args = {},
                                                std::map<std::string, std::string> env = {}) {
  // Debug level: the tests read every state transition from the log.
  std::vector<std::string> argv{AGENTHOST_BIN, "run", "--config", config, "--log-level", "debug"};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  return std::make_unique<ChildProcess>(argv, std::move(env));
}

// The admin listener's base URL as the host logs it ("http://127.0.0.71:40123", with the
// port the kernel chose for port 0); empty if the line did not come in time.
inline std::string admin_url(ChildProcess& host, std::chrono::milliseconds timeout = 20s) {
  const auto line = host.wait_for_line("admin listener on http://", timeout);
  if (!line) return "";
  const auto begin = line->find("http://");
  return line->substr(begin, line->find(' ', begin) - begin);
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
