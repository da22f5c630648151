// Fault injection on loopback 127.0.0.96 (ports 17551-17558): one host with two healthy agents
// and, beside them, agents that throw, hang, crash (isolated), answer slowly and flap, all
// misbehaving at once while callers load the healthy ones. Every call to a healthy agent
// gets its own answer (nothing lost, nothing mixed up), and the host outlives it all.
//
// Bounded: 4 callers x 150 calls each to the healthy agents, one fault thread of at most
// 40 rounds, and at most 60 s for the whole load.

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <zmq.hpp>

#include "support/agent_request.hpp"
#include "support/eventually.hpp"
#include "support/host_fixture.hpp"

namespace agenthost::testing {
namespace {

constexpr const char* kAddress = "127.0.0.96";
constexpr int kCallers = 4;
constexpr int kCallsPerCaller = 150;
constexpr int kFaultRounds = 40;
constexpr auto kLoadLimit = std::chrono::seconds(60);


std::string config(const TestDir& dir) {
  return dir.write("host.yaml",
                   host_section(dir, std::string("  bind: ") + kAddress + "\n") +
                       "agents:\n"
                       "  - { name: HealthyA, plugin: echo, port: 17551, concurrency: 4 }\n"
                       "  - { name: HealthyB, plugin: echo, port: 17552, concurrency: 4, dependencies: [HealthyA] }\n"
                       // Handlers that throw (echo's `fail`), and a health() that throws.
                       "  - { name: Thrower, plugin: echo, port: 17553 }\n"
                       "  - { name: HealthThrower, plugin: throw_in_health, restart: never }\n"
                       // health() hangs past the health timeout at every poll.
                       "  - { name: Hanger, plugin: hang_in_health, restart: never }\n"
                       // Segfaults on request, in a process of its own.
                       "  - name: Crasher\n"
                       "    plugin: crash_on_request\n"
                       "    isolation: process\n"
                       "    port: 17554\n"
                       "    dependencies: [HealthyA]\n"
                       "    restart_backoff: { initial: 20ms, max: 50ms }\n"
                       "    start_limit: { burst: 100, interval: 60s }\n"
                       // Answers slowly (echo's `sleep`), one at a time.
                       "  - { name: Slow, plugin: echo, port: 17555 }\n"
                       // Turns unhealthy on request: liveness restarts it, again and again.
                       "  - name: Flapper\n"
                       "    plugin: flaky\n"
                       "    port: 17556\n"
                       "    liveness: { failure_threshold: 1 }\n"
                       "    restart_backoff: { initial: 20ms, max: 50ms }\n"
                       "    start_limit: { burst: 100, interval: 60s }\n");
}

std::vector<std::string> call(zmq::context_t& context, int port, const std::string& method,
                              const std::string& payload, const std::string& deadline_ms) {
  return request(context, std::string("tcp://") + kAddress + ":" + std::to_string(port),
                 {"AH1", method, payload, deadline_ms});
}

TEST(FaultInjection, HealthyAgentsAnswerEveryCallWhileOthersThrowHangCrashCrawlAndFlap) {
  TestDir dir;
  auto host = std::make_unique<ChildProcess>(
      std::vector<std::string>{AGENTHOST_BIN, "run", "--config", config(dir), "--log-level", "info"}, real_crash_env());
  ASSERT_TRUE(host->wait_for_line("startup complete: 8 ready")) << host->output();

  const auto until = std::chrono::steady_clock::now() + kLoadLimit;
  std::atomic<bool> load_done{false};
  std::atomic<int> answered{0}, wrong{0};
  std::vector<std::string> wrong_examples(kCallers);

  // The load: each caller alternates between the two healthy agents with payloads of its own.
  std::vector<std::thread> callers;
  for (int c = 0; c < kCallers; ++c) {
    callers.emplace_back([&, c] {
      zmq::context_t context;
      for (int i = 0; i < kCallsPerCaller && std::chrono::steady_clock::now() < until; ++i) {
        const std::string payload = "caller " + std::to_string(c) + " call " + std::to_string(i);
        auto reply = call(context, i % 2 ? 17552 : 17551, "echo", payload, "5000");
        if (reply.size() >= 3 && reply[1] == "200" && reply[2] == payload) {
          ++answered;
        } else {
          ++wrong;
          if (wrong_examples[c].empty())
            wrong_examples[c] = payload + " -> " + (reply.size() >= 3 ? reply[1] + " " + reply[2] : "no reply");
        }
      }
    });
  }

  // The faults, all the while.
  std::atomic<int> crashes{0}, flaps{0};
  std::thread faults([&] {
    zmq::context_t context;
    for (int round = 0; round < kFaultRounds && !load_done && std::chrono::steady_clock::now() < until; ++round) {
      call(context, 17553, "fail", "injected failure", "500");
      call(context, 17555, "sleep", "30", "500");
      if (round % 4 == 0) {
        auto reply = call(context, 17554, "segfault", "", "500");
        if (reply.size() >= 2 && reply[1] == "500") ++crashes;
      }
      if (round % 5 == 0 && call(context, 17556, "sick", "", "200").size() >= 2) ++flaps;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });

  for (auto& t : callers) t.join();
  load_done = true;
  faults.join();

  std::string examples;
  for (const auto& e : wrong_examples)
    if (!e.empty()) examples += e + "\n";
  EXPECT_EQ(wrong.load(), 0) << examples;
  EXPECT_EQ(answered.load(), kCallers * kCallsPerCaller) << "the load ran out of time";
  EXPECT_GE(crashes.load(), 1);
  EXPECT_GE(flaps.load(), 1);

  // The host is alive, and says what happened.
  EXPECT_EQ(kill(host->pid(), 0), 0);
  auto status = status_json(dir);
  ASSERT_TRUE(status.is_object()) << host->output();
  EXPECT_EQ(agent_entry(status, "HealthyA").value("state", ""), "ready");
  EXPECT_EQ(agent_entry(status, "HealthyB").value("state", ""), "ready");
  EXPECT_EQ(agent_entry(status, "HealthyA").value("health", ""), "healthy");
  EXPECT_EQ(agent_entry(status, "Hanger").value("health", ""), "unhealthy");
  EXPECT_EQ(agent_entry(status, "HealthThrower").value("health", ""), "unhealthy");
  // Restarted at least once (a sanitizer build's child takes a while to start again).
  EXPECT_TRUE(eventually([&] { return agent_entry(status_json(dir), "Crasher").value("restarts", 0) >= 1; }, 10s))
      << host->output();
  // The isolated agent comes back and answers again.
  EXPECT_TRUE(eventually([&] {
    zmq::context_t context;
    auto reply = call(context, 17554, "pid", "", "500");
    return reply.size() >= 3 && reply[1] == "200";
  }, 10s)) << host->output();
  EXPECT_EQ(host->terminate(), 0) << host->output();
}

}  // namespace
}  // namespace agenthost::testing
