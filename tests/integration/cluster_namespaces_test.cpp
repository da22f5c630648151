// Three agenthost hosts, each in its own network namespace with its own address (veth pairs
// to a bridge in a namespace of its own, the hub, where etcd runs; all made and removed by the
// test), one etcd, one cluster config: a chain of dependencies across all three machines
// starts in order, calls cross machines, a killed host drops out of every view while every
// call to a healthy agent still succeeds, and the host restarted brings everything back
// without touching the others. Needs root (we are, in CI).

#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "support/etcd_server.hpp"
#include "support/eventually.hpp"
#include "support/host_fixture.hpp"
#include "support/network_lab.hpp"

namespace agenthost::testing {
namespace {

const std::string kCallAgent = AGENTHOST_SOURCE_DIR "/examples/python/call_agent.py";
enum Machine { kMainPc = 0, kPc2 = 1, kPc3 = 2 };
const char* const kMachineNames[] = {"main_pc", "pc2", "pc3"};

// Speech (pc2) <- Dialog (main_pc) <- Planner (pc3): a chain across all three machines.
std::string cluster_config(const TestDir& dir, const std::string& etcd_endpoint) {
  return dir.write("cluster.yaml", R"(
host:
  name: main_pc
  plugin_dirs: [)" AGENTHOST_PLUGIN_DIR R"(]
  control: { socket: "${CONTROL_SOCKET}" }
  bind: ${BIND}
  registry:
    backend: etcd
    ttl: 2s
    etcd: { endpoints: [")" + etcd_endpoint + R"("], prefix: /agenthost/netns }
  client: { breaker_failures: 2, breaker_open_for: 300ms }
agents:
  - { name: Speech, plugin: echo, machine: pc2, port: 17531 }
  - { name: Dialog, plugin: echo, machine: main_pc, port: 17532, dependencies: [Speech] }
  - { name: Logger, plugin: echo, machine: main_pc, port: 17533 }
  - { name: Planner, plugin: echo, machine: pc3, port: 17534, dependencies: [Dialog] }
  - { name: Vision, plugin: echo, machine: pc3, port: 17535 }
)");
}

class ClusterNamespaces : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::geteuid(), 0u) << "this test makes network namespaces: run it as root";
    ASSERT_TRUE(lab_.ok()) << lab_.error();
    const auto binary = find_etcd();
    ASSERT_TRUE(binary) << kEtcdMissing;
    etcd_ = std::make_unique<EtcdServer>(*binary, dir_.file("etcd-data"), lab_.bridge_address(), 23790, 23800,
                                         EtcdServer::Namespace{lab_.inside_hub(),
                                                               [this](const auto& fn) { lab_.in_hub(fn); }});
    std::string why;
    ASSERT_TRUE(etcd_->start(&why)) << why;
    config_ = cluster_config(dir_, etcd_->endpoint());
  }

  std::unique_ptr<ChildProcess> start(Machine machine) {
    auto argv = lab_.inside(machine);
    argv.insert(argv.end(), {AGENTHOST_BIN, "run", "--config", config_, "--machine", kMachineNames[machine],
                             "--log-level", "debug"});
    return std::make_unique<ChildProcess>(
        argv, std::map<std::string, std::string>{{"CONTROL_SOCKET", dir_.file(std::string(kMachineNames[machine]) + ".sock")},
                                                 {"BIND", lab_.address(machine)}});
  }

  // `caller` (on `machine`) calls `target` through the host; the answer's status.
  std::string call_through(Machine machine, int port, const std::string& target) {
    auto r = run_command(from_hub({"/usr/bin/python3", kCallAgent, "--endpoint",
                                   "tcp://" + lab_.address(machine) + ":" + std::to_string(port), "--method", "call",
                                   "--payload",
                                   nlohmann::json{{"agent", target}, {"method", "echo"}, {"payload", "x"},
                                                  {"timeout_ms", 300}}
                                       .dump()}));
    if (r.exit_code != 0) return "call_agent failed: " + r.output;
    return nlohmann::json::parse(r.output).value("status", "");
  }
  bool answers_directly(Machine machine, int port) {
    return run_command(from_hub({"/usr/bin/python3", kCallAgent, "--endpoint",
                                 "tcp://" + lab_.address(machine) + ":" + std::to_string(port), "--method", "echo",
                                 "--payload", "alive"}))
               .exit_code == 0;
  }
  // The test calls from the hub, where the bridge is: its own namespace reaches no machine.
  std::vector<std::string> from_hub(std::vector<std::string> argv) const {
    auto full = lab_.inside_hub();
    full.insert(full.end(), argv.begin(), argv.end());
    return full;
  }

  TestDir dir_;
  NetworkLab lab_{"ah8", "10.208.0", 3};
  std::unique_ptr<EtcdServer> etcd_;
  std::string config_;
};

TEST_F(ClusterNamespaces, ADependencyChainAcrossThreeMachinesAHostKilledAndRestarted) {
  // Started in the reverse of the dependency order: each waits for the one before it.
  auto pc3 = start(kPc3);
  auto main_pc = start(kMainPc);
  ASSERT_TRUE(pc3->wait_for_line("agent Vision: starting -> ready")) << pc3->output();
  ASSERT_TRUE(main_pc->wait_for_line("agent Logger: starting -> ready")) << main_pc->output();
  auto pc2 = start(kPc2);
  ASSERT_TRUE(pc2->wait_for_line("startup complete: 1 ready")) << pc2->output();
  ASSERT_TRUE(main_pc->wait_for_line("startup complete: 2 ready, 0 failed, 0 blocked")) << main_pc->output();
  ASSERT_TRUE(pc3->wait_for_line("startup complete: 2 ready, 0 failed, 0 blocked")) << pc3->output();
  EXPECT_TRUE(main_pc->wait_for_line("agent Speech on machine pc2 is ready (registry)", 1s));
  EXPECT_TRUE(pc3->wait_for_line("agent Dialog on machine main_pc is ready (registry)", 1s));

  // Calls cross machines: pc3 -> main_pc, main_pc -> pc2.
  EXPECT_EQ(call_through(kPc3, 17534, "Dialog"), "ok");
  EXPECT_EQ(call_through(kMainPc, 17532, "Speech"), "ok");
  EXPECT_EQ(call_through(kPc3, 17534, "Speech"), "ok");

  // pc2 is killed: within the TTL its agents leave main_pc's and pc3's views; calls to Speech
  // fail fast, every call to a healthy agent still succeeds.
  pc2->signal(SIGKILL);
  pc2->wait_exit();
  ASSERT_TRUE(main_pc->wait_for_line("registry: machine pc2 left", 5s)) << main_pc->output();
  ASSERT_TRUE(pc3->wait_for_line("registry: machine pc2 left", 5s)) << pc3->output();
  for (const auto& status : {call_through(kMainPc, 17532, "Speech"), call_through(kPc3, 17534, "Speech")})
    EXPECT_TRUE(status == "unavailable" || status == "circuit_open") << status;
  EXPECT_EQ(call_through(kPc3, 17534, "Dialog"), "ok");
  EXPECT_EQ(call_through(kMainPc, 17532, "Logger"), "ok");
  EXPECT_EQ(call_through(kMainPc, 17532, "Vision"), "ok");
  EXPECT_TRUE(answers_directly(kPc3, 17535));

  // pc2 restarted: everything is back, main_pc and pc3 untouched.
  pc2 = start(kPc2);
  ASSERT_TRUE(pc2->wait_for_line("startup complete: 1 ready")) << pc2->output();
  EXPECT_TRUE(eventually([&] { return call_through(kMainPc, 17532, "Speech") == "ok"; }, 5s)) << main_pc->output();
  EXPECT_TRUE(eventually([&] { return call_through(kPc3, 17534, "Speech") == "ok"; }, 5s)) << pc3->output();

  for (auto* host : {pc2.get(), pc3.get(), main_pc.get()}) host->signal(SIGTERM);
  EXPECT_EQ(pc2->wait_exit(), 0) << pc2->output();
  EXPECT_EQ(pc3->wait_exit(), 0) << pc3->output();
  EXPECT_EQ(main_pc->wait_exit(), 0) << main_pc->output();
}

}  // namespace
}  // namespace agenthost::testing
