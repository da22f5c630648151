// The metrics made at scrape time from the host's view.

#include "observability/host_collector.hpp"

#include <gtest/gtest.h>

#include "exposition_reader.hpp"
#include "observability/host_metrics.hpp"

namespace agenthost::observability {
namespace {

using testing::sample;

runtime::HostSnapshot two_agents() {
  runtime::HostSnapshot s;
  s.host_name = "main_pc";
  s.version = "9.9.9";
  s.startup_completed_at = 336;
  runtime::AgentSnapshot ready;
  ready.name = "ModelManagerAgent";
  ready.state = runtime::AgentState::ready;
  ready.health = HealthStatus::degraded;
  ready.restarts = 2;
  ready.timings.load_begin = 40;
  ready.timings.ready_at = 160;
  runtime::AgentSnapshot blocked;
  blocked.name = "TTSAgent";
  blocked.state = runtime::AgentState::blocked;
  s.agents = {ready, blocked};
  return s;
}

TEST(HostCollectorTest, StateHealthAndStartUpOfEveryAgent) {
  HostMetrics metrics;
  metrics.set_view({[] { return two_agents(); }, [] { return std::size_t{3}; },
                    [] { return SocketPool::Counts{1, 4, 9, 2}; },
                    [] { return messaging::SocketLoopCounters{100, 3, 1, 5}; }});
  const auto text = metrics.exposition();
  EXPECT_EQ(sample(text, "agent_state", {{"agent", "ModelManagerAgent"}, {"state", "ready"}}), 1);
  EXPECT_EQ(sample(text, "agent_state", {{"agent", "ModelManagerAgent"}, {"state", "failed"}}), 0);
  EXPECT_EQ(sample(text, "agent_state", {{"agent", "TTSAgent"}, {"state", "blocked"}}), 1);
  EXPECT_EQ(sample(text, "agent_health_status", {{"agent", "ModelManagerAgent"}, {"status", "degraded"}}), 1);
  EXPECT_EQ(sample(text, "agent_health_status", {{"agent", "ModelManagerAgent"}, {"status", "healthy"}}), 0);
  EXPECT_EQ(sample(text, "agent_restarts_total", {{"agent", "ModelManagerAgent"}}), 2);
  EXPECT_DOUBLE_EQ(*sample(text, "agent_start_duration_seconds", {{"agent", "ModelManagerAgent"}}), 0.12);
  EXPECT_EQ(sample(text, "agent_start_duration_seconds", {{"agent", "TTSAgent"}}), std::nullopt);
  EXPECT_EQ(sample(text, "agenthost_agents", {{"state", "ready"}}), 1);
  EXPECT_EQ(sample(text, "agenthost_agents", {{"state", "blocked"}}), 1);
  EXPECT_EQ(sample(text, "agenthost_agents", {{"state", "failed"}}), 0);
  EXPECT_DOUBLE_EQ(*sample(text, "agenthost_startup_seconds"), 0.336);
  EXPECT_EQ(sample(text, "agenthost_plugins_loaded"), 3);
  EXPECT_EQ(sample(text, "agenthost_info", {{"machine", "main_pc"}, {"version", "9.9.9"}}), 1);
  EXPECT_EQ(sample(text, "agenthost_connection_pool_sockets", {{"state", "idle"}}), 4);
  EXPECT_EQ(sample(text, "agenthost_connection_pool_created_total"), 9);
  EXPECT_EQ(sample(text, "agenthost_socket_loop_malformed_total", {{"action", "dropped"}}), 1);
  EXPECT_EQ(sample(text, "agenthost_socket_loop_replies_dropped_total"), 5);
}

TEST(HostCollectorTest, StartUpTimeOnlyOnceItHasFinished) {
  HostMetrics metrics;
  metrics.set_view({[] {
                      auto s = two_agents();
                      s.startup_completed_at.reset();
                      return s;
                    },
                    [] { return std::size_t{0}; }, [] { return SocketPool::Counts{}; },
                    [] { return messaging::SocketLoopCounters{}; }});
  EXPECT_EQ(sample(metrics.exposition(), "agenthost_startup_seconds"), std::nullopt);
}

}  // namespace
}  // namespace agenthost::observability
