// Two real agenthost processes on loopback, one cluster config, the `peers` registry: a
// dependency on another machine's agent, calls across hosts, and a peer that dies and comes
// back.

#include <signal.h>

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "support/eventually.hpp"
#include "support/host_fixture.hpp"

namespace agenthost::testing {
namespace {

const std::string kCallAgent = AGENTHOST_SOURCE_DIR "/examples/python/call_agent.py";

std::string cluster_config(const TestDir& dir) {
  return dir.write("cluster.yaml", R"(
host:
  name: main_pc
  plugin_dirs: [)" AGENTHOST_PLUGIN_DIR R"(]
  control: { socket: "${CONTROL_SOCKET}" }
  bind: 127.0.0.61
  registry:
    listen: "127.0.0.61:${REGISTRY_PORT}"
    peers: ["127.0.0.61:17301", "127.0.0.61:17302"]
    announce_interval: 50ms
    ttl: 500ms
  client: { breaker_failures: 2, breaker_open_for: 300ms }
agents:
  - { name: Speech, plugin: echo, machine: pc2, port: 17311 }
  - { name: Dialog, plugin: echo, machine: main_pc, port: 17312, dependencies: [Speech] }
  - { name: Logger, plugin: echo, machine: main_pc, port: 17313 }
)");
}

std::unique_ptr<ChildProcess> start_machine(const TestDir& dir, const std::string& config,
                                            const std::string& machine, const std::string& port) {
  return std::make_unique<ChildProcess>(
      std::vector<std::string>{AGENTHOST_BIN, "run", "--config", config, "--machine", machine,
                               "--log-level", "debug"},
      std::map<std::string, std::string>{{"CONTROL_SOCKET", dir.file(machine + ".sock")},
                                         {"REGISTRY_PORT", port}});
}

// Dialog calls Speech (on the other host) and returns the call's result.
nlohmann::json dialog_calls_speech(const std::string& payload) {
  auto r = run_command({"/usr/bin/python3", kCallAgent, "--endpoint", "tcp://127.0.0.61:17312",
                        "--method", "call", "--payload",
                        nlohmann::json{{"agent", "Speech"}, {"method", "echo"}, {"payload", payload},
                                       {"timeout_ms", 300}}
                            .dump()});
  if (r.exit_code != 0) return {{"status", "call_agent failed: " + r.output}};
  return nlohmann::json::parse(r.output);
}

TEST(ClusterPeers, ACrossHostDependencyWaitsCallsCrossAndAPeerRestartIsSeen) {
  TestDir dir;
  auto config = cluster_config(dir);

  // main_pc first: Logger starts, Dialog waits for Speech, which pc2 runs.
  auto main_pc = start_machine(dir, config, "main_pc", "17301");
  ASSERT_TRUE(main_pc->wait_for_line("agent Logger: starting -> ready")) << main_pc->output();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(main_pc->output().find("agent Dialog: pending -> loaded"), std::string::npos)
      << "Dialog started before its remote dependency was ready:\n" << main_pc->output();
  auto status = nlohmann::json::parse(
      run_command({AGENTCTL_BIN, "--socket", dir.file("main_pc.sock"), "status", "--json"}).output);
  auto dialog = agent_entry(status, "Dialog");
  EXPECT_EQ(dialog.at("state"), "pending") << dialog.dump();
  EXPECT_NE(dialog.dump().find("waits for 'Speech' on machine 'pc2'"), std::string::npos)
      << dialog.dump();

  // pc2 comes up: Speech is ready, the registry tells main_pc, Dialog starts.
  auto pc2 = start_machine(dir, config, "pc2", "17302");
  ASSERT_TRUE(pc2->wait_for_line("startup complete: 1 ready")) << pc2->output();
  ASSERT_TRUE(main_pc->wait_for_line("startup complete: 2 ready, 0 failed, 0 blocked"))
      << main_pc->output();

  auto crossed = dialog_calls_speech("across hosts");
  EXPECT_EQ(crossed.at("status"), "ok") << crossed.dump();
  EXPECT_EQ(crossed.at("payload"), "across hosts");

  // pc2 dies: after the registry's ttl Speech is unavailable from main_pc, quickly.
  pc2->signal(SIGKILL);
  pc2->wait_exit();
  ASSERT_TRUE(eventually([] {
    auto s = dialog_calls_speech("x").at("status");
    return s == "unavailable" || s == "circuit_open";
  }, std::chrono::seconds(5)));
  // main_pc's own agents keep serving.
  auto logger = run_command({"/usr/bin/python3", kCallAgent, "--endpoint",
                             "tcp://127.0.0.61:17313", "--method", "echo", "--payload", "alive"});
  EXPECT_EQ(logger.exit_code, 0) << logger.output;

  // pc2 comes back: Speech is reachable again without touching main_pc.
  pc2 = start_machine(dir, config, "pc2", "17302");
  ASSERT_TRUE(pc2->wait_for_line("startup complete: 1 ready")) << pc2->output();
  EXPECT_TRUE(eventually([] { return dialog_calls_speech("back").at("status") == "ok"; },
                         std::chrono::seconds(5)))
      << main_pc->output();
  EXPECT_NE(main_pc->output().find("registry: peer pc2 restarted"), std::string::npos)
      << main_pc->output();

  pc2->signal(SIGTERM);
  main_pc->signal(SIGTERM);
  EXPECT_EQ(pc2->wait_exit(), 0) << pc2->output();
  EXPECT_EQ(main_pc->wait_exit(), 0) << main_pc->output();
}

TEST(ClusterPeers, WithoutARegistryARemoteDependencyBlocksAtOnceAndSaysWhy) {
  TestDir dir;
  auto config = dir.write("host.yaml", host_section(dir, "  bind: 127.0.0.62\n") + R"(
agents:
  - { name: Speech, plugin: echo, machine: pc2 }
  - { name: Dialog, plugin: echo, machine: main_pc, dependencies: [Speech] }
)");
  auto host = start_host(config);
  auto line = host->wait_for_line("startup complete");
  ASSERT_TRUE(line) << host->output();
  EXPECT_NE(line->find("0 ready, 0 failed, 1 blocked"), std::string::npos) << *line;
  EXPECT_NE(host->output().find("no registry backend"), std::string::npos) << host->output();
  host->signal(SIGTERM);
  EXPECT_EQ(host->wait_exit(), 0);
}

}  // namespace
}  // namespace agenthost::testing
