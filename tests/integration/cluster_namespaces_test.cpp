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
  return dir.write("cluster.yaml", etcd_cluster_host_section(etcd_endpoint, "/agenthost/netns",
                                                             "{ breaker_failures: 2, breaker_open_for: 300ms }") +
                                       R"(agents:
  - { name: Speech, plugin: echo, machine: pc2, port: 17531 }
  - { name: Dialog, plugin: echo, machine: main_pc, port: 17532, dependencies: [Speech] }
  - { name: Logger, plugin: echo, machine: main_pc, port: 17533 }
  - { name: Planner, plugin: echo, machine: pc3, port: 17534, dependencies: [Dialog] }
  - { name: Vision, plugin: echo, machine: pc3, port: 17535 }
)");
}

// Model runs on pc2 and pc3 (replicas) unless told otherwise; Gateway on main_pc needs it and
// calls it.
std::string replica_config(const TestDir& dir, const std::string& etcd_endpoint,
                           const std::string& model_machines = "[pc2, pc3]") {
  return dir.write("replicas.yaml",
                   etcd_cluster_host_section(etcd_endpoint, "/agenthost/replicas",
                                             "{ breaker_failures: 2, breaker_open_for: 300ms, connect_timeout: 200ms }") +
                       R"(agents:
  - { name: Model, plugin: echo, machine: )" + model_machines + R"(, port: 17536 }
  - { name: Gateway, plugin: echo, machine: main_pc, port: 17537, dependencies: [Model] }
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
  // Gateway (main_pc) calls Model's "machine" method: the reply's status and payload.
  std::pair<std::string, std::string> gateway_calls_model(bool idempotent) {
    auto r = run_command(from_hub({"/usr/bin/python3", kCallAgent, "--endpoint",
                                   "tcp://" + lab_.address(kMainPc) + ":17537", "--method", "call", "--payload",
                                   nlohmann::json{{"agent", "Model"}, {"method", "machine"}, {"timeout_ms", 1500},
                                                  {"idempotent", idempotent}}
                                       .dump()}));
    if (r.exit_code != 0) return {"call_agent failed: " + r.output, ""};
    auto reply = nlohmann::json::parse(r.output);
    return {reply.value("status", ""), reply.value("payload", "")};
  }
  // Which machines answered `calls` calls (or how they failed).
  std::map<std::string, int> model_answers(int calls, bool idempotent) {
    std::map<std::string, int> answers;
    for (int i = 0; i < calls; ++i) {
      auto [status, payload] = gateway_calls_model(idempotent);
      ++answers[status == "ok" ? payload : status];
    }
    return answers;
  }
  // What the host says of the agent at `port` (agenthost.health): {"state", "health", "detail"}.
  nlohmann::json health_of(Machine machine, int port) {
    auto r = run_command(from_hub({"/usr/bin/python3", kCallAgent, "--endpoint",
                                   "tcp://" + lab_.address(machine) + ":" + std::to_string(port), "--health"}));
    if (r.exit_code != 0) return {{"health", "call_agent failed: " + r.output}};
    return nlohmann::json::parse(r.output);
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
  // Dialog, which needs Speech, keeps running and serving; its health says why it is worse.
  const auto dialog = health_of(kMainPc, 17532);
  EXPECT_EQ(dialog.value("state", ""), "ready") << dialog.dump();
  EXPECT_EQ(dialog.value("health", ""), "degraded") << dialog.dump();
  EXPECT_EQ(dialog.value("detail", ""),
            "needs 'Speech', which is unavailable: machine 'pc2' no longer has it in the registry (its host stopped "
            "or died, or it was removed there)")
      << dialog.dump();
  EXPECT_TRUE(main_pc->wait_for_line("agent Dialog: health degraded: needs 'Speech'", 1s)) << main_pc->output();
  EXPECT_EQ(health_of(kPc3, 17534).value("health", ""), "healthy");  // Planner needs Dialog only
  EXPECT_EQ(call_through(kPc3, 17534, "Dialog"), "ok");
  EXPECT_EQ(call_through(kMainPc, 17532, "Logger"), "ok");
  EXPECT_EQ(call_through(kMainPc, 17532, "Vision"), "ok");
  EXPECT_TRUE(answers_directly(kPc3, 17535));

  // pc2 restarted: everything is back, main_pc and pc3 untouched.
  pc2 = start(kPc2);
  ASSERT_TRUE(pc2->wait_for_line("startup complete: 1 ready")) << pc2->output();
  EXPECT_TRUE(eventually([&] { return call_through(kMainPc, 17532, "Speech") == "ok"; }, 5s)) << main_pc->output();
  EXPECT_TRUE(eventually([&] { return call_through(kPc3, 17534, "Speech") == "ok"; }, 5s)) << pc3->output();
  EXPECT_EQ(health_of(kMainPc, 17532).value("health", ""), "healthy");
  EXPECT_TRUE(main_pc->wait_for_line("agent Dialog: health healthy: 'Speech' is available again", 1s))
      << main_pc->output();

  for (auto* host : {pc2.get(), pc3.get(), main_pc.get()}) host->signal(SIGTERM);
  EXPECT_EQ(pc2->wait_exit(), 0) << pc2->output();
  EXPECT_EQ(pc3->wait_exit(), 0) << pc3->output();
  EXPECT_EQ(main_pc->wait_exit(), 0) << main_pc->output();
}

TEST_F(ClusterNamespaces, ReplicasShareCallsAndOneWhoseHostIsKilledIsSkipped) {
  config_ = replica_config(dir_, etcd_->endpoint());
  auto main_pc = start(kMainPc);
  ASSERT_TRUE(main_pc->wait_for_line("registry: etcd lease")) << main_pc->output();
  // One instance is enough for a dependency: Gateway starts with pc2's Model.
  auto pc2 = start(kPc2);
  ASSERT_TRUE(main_pc->wait_for_line("startup complete: 1 ready, 0 failed, 0 blocked")) << main_pc->output();
  auto pc3 = start(kPc3);
  ASSERT_TRUE(pc3->wait_for_line("startup complete: 1 ready")) << pc3->output();
  ASSERT_TRUE(main_pc->wait_for_line("registry: agent Model on machine pc3 now ready", 5s)) << main_pc->output();

  // Calls one at a time: no instance has calls outstanding, so they take turns.
  EXPECT_EQ(model_answers(10, false), (std::map<std::string, int>{{"pc2", 5}, {"pc3", 5}}));

  // pc2 is killed. Before its lease expires, idempotent calls that try it fail over to pc3
  // within their deadline; once its circuit is open or it has left, none goes there.
  pc2->signal(SIGKILL);
  pc2->wait_exit();
  EXPECT_EQ(model_answers(6, true), (std::map<std::string, int>{{"pc3", 6}}));
  ASSERT_TRUE(main_pc->wait_for_line("registry: machine pc2 left", 5s)) << main_pc->output();
  EXPECT_EQ(model_answers(6, false), (std::map<std::string, int>{{"pc3", 6}}));
  EXPECT_EQ(health_of(kMainPc, 17537).value("health", ""), "healthy");  // one instance is enough

  // pc2 restarted: calls are shared again, nothing else restarted.
  pc2 = start(kPc2);
  ASSERT_TRUE(pc2->wait_for_line("startup complete: 1 ready")) << pc2->output();
  EXPECT_TRUE(eventually([&] { return model_answers(2, false).count("pc2") == 1; }, 5s)) << main_pc->output();
  EXPECT_EQ(model_answers(4, false), (std::map<std::string, int>{{"pc2", 2}, {"pc3", 2}}));

  // Model leaves pc3 by a configuration reload there: pc3 takes its instance out of the
  // registry (not just "not ready"), so main_pc forgets it and every call goes to pc2.
  replica_config(dir_, etcd_->endpoint(), "[pc2]");
  pc3->signal(SIGHUP);
  ASSERT_TRUE(pc3->wait_for_line("configuration reload: 0 added, 1 removed")) << pc3->output();
  ASSERT_TRUE(main_pc->wait_for_line("registry: machine pc3 left", 5s)) << main_pc->output();
  EXPECT_EQ(model_answers(4, false), (std::map<std::string, int>{{"pc2", 4}}));

  for (auto* host : {pc2.get(), pc3.get(), main_pc.get()}) host->signal(SIGTERM);
  EXPECT_EQ(pc2->wait_exit(), 0) << pc2->output();
  EXPECT_EQ(pc3->wait_exit(), 0) << pc3->output();
  EXPECT_EQ(main_pc->wait_exit(), 0) << main_pc->output();
  // Gateway stayed ready from start-up until the stop: losing one instance of Model is not
  // losing Model.
  const auto output = main_pc->output();
  EXPECT_GT(output.find("agent Gateway: ready ->"), output.find("stop requested")) << output;
}

}  // namespace
}  // namespace agenthost::testing
