#include "systemd/service_heartbeat.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace agenthost::systemd {
namespace {

using namespace std::chrono_literals;
using Clock = ServiceHeartbeat::Clock;

// A host seen through the heartbeat's sources, and what the heartbeat sent.
struct FakeHost {
  runtime::HostSnapshot snapshot;
  bool loop_answers = true;
  std::vector<std::chrono::milliseconds> loop_asked;
  std::vector<std::string> statuses;
  int keep_alives = 0;

  FakeHost() {
    runtime::AgentSnapshot a;
    a.state = runtime::AgentState::ready;
    a.health = HealthStatus::healthy;
    snapshot.agents = {a, a};
  }

  ServiceHeartbeat heartbeat(std::optional<std::chrono::microseconds> watchdog, Clock::time_point t0) {
    return ServiceHeartbeat(
        {.status_every = 1000ms, .watchdog_timeout = watchdog},
        {[this] { return snapshot; },
         [this](std::chrono::milliseconds timeout) {
           loop_asked.push_back(timeout);
           return loop_answers;
         }},
        {[this](std::string_view s) { statuses.emplace_back(s); }, [this] { ++keep_alives; }}, t0);
  }
};

TEST(ServiceHeartbeat, KeepAlivesAtHalfTheWatchdogTimeoutTheFirstAtOnce) {
  FakeHost host;
  const auto t0 = Clock::now();
  auto heartbeat = host.heartbeat(400000us, t0);
  EXPECT_EQ(heartbeat.watchdog_period(), 200ms);
  EXPECT_EQ(heartbeat.loop_timeout(), 100ms) << "a quarter of WatchdogSec when under 1 s";
  EXPECT_EQ(heartbeat.next_due(), t0);
  heartbeat.beat(t0);
  EXPECT_EQ(host.keep_alives, 1);
  EXPECT_EQ(heartbeat.next_due(), t0 + 200ms);
  heartbeat.beat(t0 + 150ms);  // early: nothing due
  EXPECT_EQ(host.keep_alives, 1);
  heartbeat.beat(t0 + 210ms);
  EXPECT_EQ(host.keep_alives, 2);
  EXPECT_EQ(heartbeat.next_due(), t0 + 400ms) << "from when it was due, not from the late beat";
  ASSERT_EQ(host.loop_asked.size(), 2u);
  EXPECT_EQ(host.loop_asked[0], 100ms);
}

TEST(ServiceHeartbeat, WithholdsTheKeepAliveWhileTheLoopDoesNotAnswer) {
  FakeHost host;
  const auto t0 = Clock::now();
  auto heartbeat = host.heartbeat(10s, t0);
  EXPECT_EQ(heartbeat.loop_timeout(), 250ms) << "/healthz's timeout when WatchdogSec is long";
  heartbeat.beat(t0);
  host.loop_answers = false;
  heartbeat.beat(t0 + 5s);
  heartbeat.beat(t0 + 10s);
  EXPECT_EQ(host.keep_alives, 1);
  host.loop_answers = true;
  heartbeat.beat(t0 + 15s);
  EXPECT_EQ(host.keep_alives, 2);
}

TEST(ServiceHeartbeat, LateBeatsDoNotBurst) {
  FakeHost host;
  const auto t0 = Clock::now();
  auto heartbeat = host.heartbeat(400ms, t0);
  heartbeat.beat(t0 + 1s);  // five periods late (a suspended process, say)
  EXPECT_EQ(host.keep_alives, 1);
  EXPECT_EQ(heartbeat.next_due(), t0 + 1s);
  heartbeat.beat(t0 + 1s);
  EXPECT_EQ(host.keep_alives, 2);
  EXPECT_EQ(heartbeat.next_due(), t0 + 1200ms);
}

TEST(ServiceHeartbeat, SendsTheStatusOnlyWhenTheCountsChange) {
  FakeHost host;
  const auto t0 = Clock::now();
  auto heartbeat = host.heartbeat(std::nullopt, t0);
  EXPECT_FALSE(heartbeat.watchdog_period());
  EXPECT_EQ(heartbeat.next_due(), t0 + 1s);
  heartbeat.beat(t0 + 1s);
  EXPECT_TRUE(host.statuses.empty()) << "READY=1's status stays while nothing changed";

  host.snapshot.agents[1].health = HealthStatus::degraded;
  heartbeat.beat(t0 + 2s);
  heartbeat.beat(t0 + 3s);
  ASSERT_EQ(host.statuses.size(), 1u);
  EXPECT_EQ(host.statuses[0], "running: 1 ready, 1 degraded");
  EXPECT_EQ(host.keep_alives, 0);
  EXPECT_TRUE(host.loop_asked.empty()) << "no watchdog: the loop is not asked";
}

}  // namespace
}  // namespace agenthost::systemd
