#include "systemd/service_status.hpp"

#include <gtest/gtest.h>

namespace agenthost::systemd {
namespace {

using runtime::AgentSnapshot;
using runtime::AgentState;

AgentSnapshot agent(AgentState state, HealthStatus health = HealthStatus::healthy) {
  AgentSnapshot a;
  a.state = state;
  a.health = health;
  return a;
}

TEST(ServiceStatus, CountsReadyAgentsByTheirHealthAndTheOthersByState) {
  runtime::HostSnapshot s;
  s.agents = {agent(AgentState::ready),
              agent(AgentState::ready),
              agent(AgentState::ready, HealthStatus::degraded),
              agent(AgentState::ready, HealthStatus::unhealthy),
              agent(AgentState::starting),
              agent(AgentState::pending),
              agent(AgentState::stopped),
              agent(AgentState::failed, HealthStatus::unhealthy),
              agent(AgentState::blocked, HealthStatus::unhealthy)};
  const AgentCounts c = count_agents(s);
  EXPECT_EQ(c, (AgentCounts{.total = 9, .ready = 2, .degraded = 1, .unhealthy = 1, .starting = 2,
                            .stopped = 1, .failed = 1, .blocked = 1}));
}

TEST(ServiceStatus, StartingSaysHowManyOfAllAreReadyAndWhatFailed) {
  EXPECT_EQ(starting_status({.total = 84, .ready = 12}), "starting: 12/84 agents ready");
  EXPECT_EQ(starting_status({.total = 84, .ready = 12, .failed = 1, .blocked = 2}),
            "starting: 12/84 agents ready, 1 failed, 2 blocked");
  EXPECT_EQ(starting_status({.total = 1, .ready = 0}), "starting: 0/1 agent ready");
}

TEST(ServiceStatus, ReadySaysHowLongStartUpTookAndWhatDidNotStart) {
  EXPECT_EQ(ready_status({.ready = 84, .elapsed_s = 0.3456}), "84 agents ready in 0.35 s");
  EXPECT_EQ(ready_status({.ready = 80, .failed = 1, .blocked = 3, .elapsed_s = 1.5}),
            "80 of 84 agents ready in 1.50 s; 1 failed, 3 blocked (agentctl status)");
  EXPECT_EQ(ready_status({.ready = 0, .failed = 1, .elapsed_s = 0.01}),
            "0 of 1 agent ready in 0.01 s; 1 failed (agentctl status)");
  EXPECT_EQ(ready_status({.ready = 2, .blocked = 1, .elapsed_s = 0.2}),
            "2 of 3 agents ready in 0.20 s; 1 blocked (agentctl status)");
  EXPECT_EQ(ready_status({}), "0 agents ready in 0.00 s");
}

TEST(ServiceStatus, RunningLeavesOutWhatIsZero) {
  EXPECT_EQ(running_status({.total = 84, .ready = 84}), "running: 84 ready");
  EXPECT_EQ(running_status({.total = 84, .ready = 80, .degraded = 1, .unhealthy = 1, .failed = 1,
                            .blocked = 1}),
            "running: 80 ready, 1 degraded, 1 unhealthy, 1 failed, 1 blocked");
  EXPECT_EQ(running_status({.total = 2, .starting = 1, .stopped = 1}),
            "running: 0 ready, 1 starting, 1 stopped");
}

TEST(ServiceStatus, StoppingCountsTheAgentsThatWereStarted) {
  EXPECT_EQ(stopping_status({.total = 84, .ready = 84}), "stopping 84 agents");
  EXPECT_EQ(stopping_status({.total = 4, .ready = 1, .failed = 1, .blocked = 2}), "stopping 1 agent");
}

}  // namespace
}  // namespace agenthost::systemd
