// Two real agenthost processes on loopback (127.0.0.93 and 127.0.0.94), one cluster config,
// the `etcd` registry backend against a real etcd the test starts itself: a cross-host
// dependency, calls across hosts, a host that dies (its lease expires), a host that stops
// (its lease is revoked), and etcd paused, killed and restarted under running hosts.

#include <signal.h>

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "support/etcd_server.hpp"
#include "support/eventually.hpp"
#include "support/host_fixture.hpp"

namespace agenthost::testing {
namespace {

using Clock = std::chrono::steady_clock;

const std::string kCallAgent = AGENTHOST_SOURCE_DIR "/examples/python/call_agent.py";
constexpr auto kTtl = std::chrono::seconds(2);  // etcd's smallest lease TTL with default timing

std::string cluster_config(const TestDir& dir, const std::string& etcd_endpoint) {
  return dir.write("cluster.yaml", etcd_cluster_host_section(etcd_endpoint, "/agenthost/test",
                                                             "{ breaker_failures: 2, breaker_open_for: 300ms }") +
                                       R"(agents:
  - { name: Speech, plugin: echo, machine: pc2, port: 17521 }
  - { name: Dialog, plugin: echo, machine: main_pc, port: 17522, dependencies: [Speech] }
  - { name: Logger, plugin: echo, machine: main_pc, port: 17523 }
)");
}

std::unique_ptr<ChildProcess> start_machine(const TestDir& dir, const std::string& config,
                                            const std::string& machine, const std::string& bind) {
  return std::make_unique<ChildProcess>(
      std::vector<std::string>{AGENTHOST_BIN, "run", "--config", config, "--machine", machine,
                               "--log-level", "debug"},
      std::map<std::string, std::string>{{"CONTROL_SOCKET", dir.file(machine + ".sock")}, {"BIND", bind}});
}

// Dialog (main_pc, 127.0.0.93) calls Speech (pc2, 127.0.0.94); the call's answer.
nlohmann::json dialog_calls_speech(const std::string& payload) {
  auto r = run_command({"/usr/bin/python3", kCallAgent, "--endpoint", "tcp://127.0.0.93:17522", "--method",
                        "call", "--payload",
                        nlohmann::json{{"agent", "Speech"}, {"method", "echo"}, {"payload", payload},
                                       {"timeout_ms", 300}}
                            .dump()});
  if (r.exit_code != 0) return {{"status", "call_agent failed: " + r.output}};
  return nlohmann::json::parse(r.output);
}

// etcd on 127.0.0.93 with its data in the test's folder; fails the test when etcd is missing.
std::unique_ptr<EtcdServer> start_etcd(const TestDir& dir) {
  const auto binary = find_etcd();
  if (!binary) {
    ADD_FAILURE() << kEtcdMissing;
    return nullptr;
  }
  auto etcd = std::make_unique<EtcdServer>(*binary, dir.file("etcd-data"), "127.0.0.93", 23790, 23800);
  std::string why;
  if (!etcd->start(&why)) {
    ADD_FAILURE() << why;
    return nullptr;
  }
  return etcd;
}

// Waits for a line containing `needle` among those printed after the first `seen` lines.
bool wait_for_new_line(ChildProcess& process, std::size_t seen, const std::string& needle,
                       std::chrono::milliseconds timeout) {
  return eventually([&] {
    const auto lines = process.lines();
    for (std::size_t i = seen; i < lines.size(); ++i)
      if (lines[i].find(needle) != std::string::npos) return true;
    return false;
  }, timeout);
}

TEST(ClusterEtcd, ACrossHostDependencyWaitsCallsCrossAndADeadHostDisappearsWithinTheTtl) {
  TestDir dir;
  auto etcd = start_etcd(dir);
  ASSERT_TRUE(etcd);
  const auto config = cluster_config(dir, etcd->endpoint());

  // main_pc first: Logger starts, Dialog waits for Speech, which pc2 runs.
  auto main_pc = start_machine(dir, config, "main_pc", "127.0.0.93");
  ASSERT_TRUE(main_pc->wait_for_line("agent Logger: starting -> ready")) << main_pc->output();
  ASSERT_TRUE(main_pc->wait_for_line("registry: etcd lease")) << main_pc->output();
  auto status = nlohmann::json::parse(
      run_command({AGENTCTL_BIN, "--socket", dir.file("main_pc.sock"), "status", "--json"}).output);
  auto dialog = agent_entry(status, "Dialog");
  EXPECT_EQ(dialog.at("state"), "pending") << dialog.dump();
  EXPECT_NE(dialog.dump().find("waits for 'Speech' on machine 'pc2'"), std::string::npos) << dialog.dump();

  // pc2 comes up: Speech is ready, etcd's watch tells main_pc, Dialog starts.
  auto pc2 = start_machine(dir, config, "pc2", "127.0.0.94");
  ASSERT_TRUE(pc2->wait_for_line("startup complete: 1 ready")) << pc2->output();
  ASSERT_TRUE(main_pc->wait_for_line("startup complete: 2 ready, 0 failed, 0 blocked")) << main_pc->output();
  EXPECT_TRUE(main_pc->wait_for_line("registry: machine pc2 joined (etcd)", 1s)) << main_pc->output();
  EXPECT_TRUE(pc2->wait_for_line("registry: machine main_pc joined (etcd)", 1s)) << pc2->output();

  auto crossed = dialog_calls_speech("across hosts");
  EXPECT_EQ(crossed.at("status"), "ok") << crossed.dump();
  EXPECT_EQ(crossed.value("payload", ""), "across hosts");

  // pc2 dies without a word: its lease expires within the TTL (etcd checks expiry twice a
  // second) and main_pc forgets Speech.
  const auto killed = Clock::now();
  pc2->signal(SIGKILL);
  pc2->wait_exit();
  ASSERT_TRUE(main_pc->wait_for_line("registry: machine pc2 left", kTtl + 3s)) << main_pc->output();
  const auto gone_after = Clock::now() - killed;
  EXPECT_LT(gone_after, kTtl + 1500ms);
  auto unavailable = dialog_calls_speech("x").at("status");
  EXPECT_TRUE(unavailable == "unavailable" || unavailable == "circuit_open") << unavailable;
  // main_pc's own agents keep serving.
  auto logger = run_command({"/usr/bin/python3", kCallAgent, "--endpoint", "tcp://127.0.0.93:17523", "--method",
                             "echo", "--payload", "alive"});
  EXPECT_EQ(logger.exit_code, 0) << logger.output;

  // pc2 comes back: Speech is reachable again without touching main_pc.
  pc2 = start_machine(dir, config, "pc2", "127.0.0.94");
  ASSERT_TRUE(pc2->wait_for_line("startup complete: 1 ready")) << pc2->output();
  EXPECT_TRUE(eventually([] { return dialog_calls_speech("back").at("status") == "ok"; }, 5s))
      << main_pc->output();

  // A clean stop revokes the lease: main_pc sees pc2 go at once, not after the TTL.
  const auto seen = main_pc->lines().size();
  const auto stopped = Clock::now();
  pc2->signal(SIGTERM);
  EXPECT_EQ(pc2->wait_exit(), 0) << pc2->output();
  ASSERT_TRUE(wait_for_new_line(*main_pc, seen, "registry: machine pc2 left", kTtl + 2s)) << main_pc->output();
  EXPECT_LT(Clock::now() - stopped, kTtl) << "the lease was not revoked; it expired";

  main_pc->signal(SIGTERM);
  EXPECT_EQ(main_pc->wait_exit(), 0) << main_pc->output();
}

TEST(ClusterEtcd, WhileEtcdIsAwayHostsKeepServingAndResyncWhenItReturns) {
  TestDir dir;
  auto etcd = start_etcd(dir);
  ASSERT_TRUE(etcd);
  const auto config = cluster_config(dir, etcd->endpoint());
  auto pc2 = start_machine(dir, config, "pc2", "127.0.0.94");
  auto main_pc = start_machine(dir, config, "main_pc", "127.0.0.93");
  ASSERT_TRUE(main_pc->wait_for_line("startup complete: 2 ready, 0 failed, 0 blocked")) << main_pc->output();
  EXPECT_EQ(dialog_calls_speech("before").at("status"), "ok");

  // etcd stops answering (SIGSTOP: connections hang rather than fail). Longer than the TTL,
  // every call still works: the hosts keep their last view. (When etcd resumes it may expire
  // the leases it could not see renewed; the hosts then grant new ones and put again.)
  etcd->pause();
  ASSERT_TRUE(main_pc->wait_for_line("registry: etcd unreachable", 5s)) << main_pc->output();
  const auto paused_until = Clock::now() + kTtl + 500ms;
  while (Clock::now() < paused_until) {
    auto answer = dialog_calls_speech("while etcd is away");
    ASSERT_EQ(answer.at("status"), "ok") << answer.dump() << main_pc->output();
  }
  etcd->resume();
  ASSERT_TRUE(main_pc->wait_for_line("registry: etcd reachable again", 8s)) << main_pc->output();
  ASSERT_TRUE(pc2->wait_for_line("registry: etcd reachable again", 8s)) << pc2->output();
  EXPECT_TRUE(eventually([] { return dialog_calls_speech("after").at("status") == "ok"; }, 3s));

  // etcd dies; pc2 stops while it is away (it cannot revoke its lease). When etcd is back
  // on the same data, main_pc's resync and pc2's expiring lease make pc2 go from its view.
  const auto pc2_seen = pc2->lines().size();
  etcd->kill();
  ASSERT_TRUE(wait_for_new_line(*pc2, pc2_seen, "registry: etcd unreachable", 5s)) << pc2->output();
  pc2->signal(SIGTERM);
  EXPECT_EQ(pc2->wait_exit(), 0) << pc2->output();
  const auto main_seen = main_pc->lines().size();
  std::string why;
  ASSERT_TRUE(etcd->start(&why)) << why;
  ASSERT_TRUE(wait_for_new_line(*main_pc, main_seen, "registry: machine pc2 left", kTtl + 6s))
      << main_pc->output();

  // pc2 returns: main_pc learns it again through the new watch.
  pc2 = start_machine(dir, config, "pc2", "127.0.0.94");
  ASSERT_TRUE(pc2->wait_for_line("startup complete: 1 ready")) << pc2->output();
  EXPECT_TRUE(eventually([] { return dialog_calls_speech("back").at("status") == "ok"; }, 5s))
      << main_pc->output();

  pc2->signal(SIGTERM);
  main_pc->signal(SIGTERM);
  EXPECT_EQ(pc2->wait_exit(), 0) << pc2->output();
  EXPECT_EQ(main_pc->wait_exit(), 0) << main_pc->output();
}

}  // namespace
}  // namespace agenthost::testing
