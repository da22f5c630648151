// Start-up along the dependency graph with the real host binary and real plugins.

#include <signal.h>

#include <gtest/gtest.h>

#include "support/host_fixture.hpp"

namespace agenthost::testing {
namespace {

double ms(const nlohmann::json& agent, const char* timing) {
  return agent.at("timings").at(timing).get<double>();
}

TEST(Startup, DemoStartsAll84AgentsOfBothMachinesInOneHost) {
  TestDir dir;
  ChildProcess host({AGENTHOST_BIN, "run", "--config",
                     AGENTHOST_SOURCE_DIR "/config/demo/agenthost.yaml", "--machine", "all"},
                    {{"AGENTHOST_PLUGIN_DIR", AGENTHOST_PLUGIN_DIR},
                     {"AGENTHOST_CONTROL_SOCKET", dir.file("control.sock")},
                     // its own loopback address: the demo's 84 ports never clash with others'
                     {"AGENTHOST_BIND", "127.0.0.2"},
                     // not the demo's fixed 9464: a demo running on this machine may hold it
                     {"AGENTHOST_ADMIN_PORT", "0"}});
  auto line = host.wait_for_line("startup complete", 30s);
  ASSERT_TRUE(line) << host.output();
  EXPECT_NE(line->find("84 ready, 0 failed, 0 blocked"), std::string::npos) << *line;

  auto r = run_command({AGENTCTL_BIN, "--socket", dir.file("control.sock"), "status", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto status = nlohmann::json::parse(r.output);
  ASSERT_EQ(status.at("agents").size(), 84u);
  int pc2 = 0;
  for (const auto& a : status.at("agents")) {
    EXPECT_EQ(a.at("state"), "ready") << a.dump();
    pc2 += a.at("machine") == "pc2";
  }
  EXPECT_EQ(pc2, 26);

  host.signal(SIGTERM);
  EXPECT_EQ(host.wait_exit(10s), 0) << host.output();
}

TEST(Startup, AnAgentStartsOnlyAfterEveryDependencyIsReady) {
  TestDir dir;
  auto config = dir.write("host.yaml", host_section(dir) + R"(
agents:
  - { name: base, plugin: simulated, config: { init_ms: 150 } }
  - { name: middle, plugin: simulated, dependencies: [base], config: { init_ms: 50 } }
  - { name: top, plugin: simulated, dependencies: [middle, base] }
)");
  auto host = start_host(config);
  ASSERT_TRUE(host->wait_for_line("startup complete: 3 ready")) << host->output();
  auto status = status_json(dir);
  auto base = agent_entry(status, "base"), middle = agent_entry(status, "middle"),
       top = agent_entry(status, "top");
  EXPECT_LE(ms(base, "ready_ms"), ms(middle, "load_begin_ms"));
  EXPECT_LE(ms(middle, "ready_ms"), ms(top, "load_begin_ms"));
  EXPECT_GE(ms(base, "ready_ms") - ms(base, "start_begin_ms"), 150.0);
  host->signal(SIGTERM);
  EXPECT_EQ(host->wait_exit(), 0);
}

TEST(Startup, EagerStartDoesNotWaitForTheRestOfALevel) {
  // slow and fast are both level 0; after_fast (level 1) must start when fast is ready,
  // long before slow is.
  TestDir dir;
  auto config = dir.write("host.yaml", host_section(dir) + R"(
agents:
  - { name: slow, plugin: simulated, config: { init_ms: 1500 } }
  - { name: fast, plugin: simulated, config: { init_ms: 10 } }
  - { name: after_fast, plugin: simulated, dependencies: [fast] }
)");
  auto host = start_host(config);
  ASSERT_TRUE(host->wait_for_line("startup complete")) << host->output();
  auto status = status_json(dir);
  EXPECT_LT(ms(agent_entry(status, "after_fast"), "ready_ms"),
            ms(agent_entry(status, "slow"), "ready_ms") - 1000);
  host->signal(SIGTERM);
  EXPECT_EQ(host->wait_exit(), 0);
}

TEST(Startup, LevelsStrategyWaitsForTheWholeLevel) {
  TestDir dir;
  auto config = dir.write("host.yaml", host_section(dir) + R"(
agents:
  - { name: slow, plugin: simulated, config: { init_ms: 300 } }
  - { name: fast, plugin: simulated, config: { init_ms: 10 } }
  - { name: after_fast, plugin: simulated, dependencies: [fast] }
)");
  auto host = start_host(config, {"--strategy", "levels"});
  ASSERT_TRUE(host->wait_for_line("startup complete")) << host->output();
  auto status = status_json(dir);
  EXPECT_GE(ms(agent_entry(status, "after_fast"), "load_begin_ms"),
            ms(agent_entry(status, "slow"), "ready_ms"));
  host->signal(SIGTERM);
  EXPECT_EQ(host->wait_exit(), 0);
}

TEST(Startup, ParallelismBoundsStartsInFlight) {
  TestDir dir;
  std::string agents = "agents:\n";
  for (int i = 0; i < 6; ++i)
    agents += "  - { name: a" + std::to_string(i) + ", plugin: simulated, config: { init_ms: 100 } }\n";
  auto config = dir.write("host.yaml", host_section(dir, "  startup: { parallelism: 2 }\n") + agents);
  auto host = start_host(config);
  ASSERT_TRUE(host->wait_for_line("startup complete: 6 ready")) << host->output();
  auto status = status_json(dir);
  // At every agent's start, at most 2 starts (itself included) are in flight.
  for (const auto& a : status.at("agents")) {
    double t = ms(a, "load_begin_ms");
    int in_flight = 0;
    for (const auto& b : status.at("agents"))
      in_flight += ms(b, "load_begin_ms") <= t && ms(b, "ready_ms") > t;
    EXPECT_LE(in_flight, 2) << a.dump();
  }
  host->signal(SIGTERM);
  EXPECT_EQ(host->wait_exit(), 0);
}

TEST(Startup, AgentsOfAnotherMachineAreNotStartedAndTheirDependentsSayWhy) {
  TestDir dir;
  auto config = dir.write("host.yaml", host_section(dir) + R"(
agents:
  - { name: local, plugin: echo }
  - { name: remote, plugin: echo, machine: pc2 }
  - { name: needs_remote, plugin: echo, dependencies: [remote] }
)");
  auto host = start_host(config);
  ASSERT_TRUE(host->wait_for_line("startup complete: 1 ready, 0 failed, 1 blocked"))
      << host->output();
  auto status = status_json(dir);
  EXPECT_EQ(status.at("agents").size(), 2u) << "pc2's agent is not this host's";
  auto blocked = agent_entry(status, "needs_remote");
  EXPECT_EQ(blocked.at("state"), "blocked");
  EXPECT_NE(blocked.at("reason").get<std::string>().find("'remote' of machine 'pc2'"),
            std::string::npos);
  host->signal(SIGTERM);
  EXPECT_EQ(host->wait_exit(), 0);
}

// The control socket is bound before start-up begins and served beside the first starts: a
// client that connects while the host is still loading its plugin files waits in the socket's
// backlog and is answered, never refused.
TEST(Startup, TheControlSocketIsBoundBeforeStartUpAndAnswersClientsThatCameEarly) {
  TestDir dir;
  auto config = dir.write("host.yaml", host_section(dir) + R"(
agents:
  - { name: slow, plugin: slow_to_load }
)");
  auto host = start_host(config);
  ASSERT_TRUE(host->wait_for_line("agenthost starting")) << host->output();
  // slow_to_load's static initialiser (600 ms) holds start-up here, before the first start.
  EXPECT_TRUE(std::filesystem::is_socket(dir.file("control.sock"))) << host->output();
  EXPECT_EQ(host->output().find("control socket listening"), std::string::npos)
      << "not served yet while the plugin file loads\n" << host->output();
  auto status = agentctl(dir, {"status", "--json"});
  ASSERT_EQ(status.exit_code, 0) << status.output << host->output();
  auto json = nlohmann::json::parse(status.output, nullptr, false);
  ASSERT_FALSE(json.is_discarded()) << status.output;
  EXPECT_FALSE(agent_entry(json, "slow").is_null()) << status.output;
  ASSERT_TRUE(host->wait_for_line("startup complete: 1 ready")) << host->output();
  host->signal(SIGTERM);
  EXPECT_EQ(host->wait_exit(), 0) << host->output();
}

}  // namespace
}  // namespace agenthost::testing
