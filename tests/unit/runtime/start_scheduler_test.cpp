#include "runtime/start_scheduler.hpp"

#include <algorithm>

#include <gtest/gtest.h>

namespace agenthost::runtime {
namespace {

using config::StartStrategy;
using State = StartScheduler::NodeState;

// Agents a..: `deps` lists, for each agent, the indices it depends on.
struct Fixture {
  std::vector<config::AgentSpec> agents;
  graph::DependencyGraph graph;

  explicit Fixture(const std::vector<std::vector<int>>& deps) {
    for (std::size_t i = 0; i < deps.size(); ++i) {
      config::AgentSpec a;
      a.name = std::string(1, char('a' + i));
      for (int d : deps[i]) a.dependencies.push_back({std::string(1, char('a' + d)), {}});
      agents.push_back(a);
    }
    graph = graph::DependencyGraph::build(agents);
  }

  StartScheduler scheduler(StartStrategy strategy, int parallelism,
                           std::vector<double> priority = {}) {
    return StartScheduler(graph, std::vector<bool>(agents.size(), true), std::move(priority),
                          strategy, parallelism);
  }
};

std::vector<NodeId> sorted(std::vector<NodeId> v) {
  std::sort(v.begin(), v.end());
  return v;
}

TEST(StartScheduler, EagerStartsAnAgentAsSoonAsItsOwnDependenciesAreReady) {
  // a, b roots; c <- a; d <- b (b slow). c must start when a is ready, before b is.
  Fixture f({{}, {}, {0}, {1}});
  auto s = f.scheduler(StartStrategy::eager, 8);
  EXPECT_EQ(sorted(s.take_startable()), (std::vector<NodeId>{0, 1}));
  s.mark_ready(0);
  EXPECT_EQ(s.take_startable(), (std::vector<NodeId>{2}));
  EXPECT_EQ(s.state(3), State::waiting);
  s.mark_ready(1);
  EXPECT_EQ(s.take_startable(), (std::vector<NodeId>{3}));
  s.mark_ready(2);
  s.mark_ready(3);
  EXPECT_TRUE(s.finished());
}

TEST(StartScheduler, LevelsWaitForTheWholeLevel) {
  Fixture f({{}, {}, {0}, {1}});
  auto s = f.scheduler(StartStrategy::levels, 8);
  EXPECT_EQ(sorted(s.take_startable()), (std::vector<NodeId>{0, 1}));
  s.mark_ready(0);
  EXPECT_TRUE(s.take_startable().empty()) << "c is eligible but level 0 is not settled";
  s.mark_ready(1);
  EXPECT_EQ(sorted(s.take_startable()), (std::vector<NodeId>{2, 3}));
}

TEST(StartScheduler, SequentialRunsOneAtATimeInLevelOrder) {
  Fixture f({{}, {0}, {}});
  auto s = f.scheduler(StartStrategy::sequential, 8);
  std::vector<NodeId> order;
  for (int i = 0; i < 3; ++i) {
    auto next = s.take_startable();
    ASSERT_EQ(next.size(), 1u);
    EXPECT_TRUE(s.take_startable().empty());
    order.push_back(next[0]);
    s.mark_ready(next[0]);
  }
  EXPECT_EQ(order.back(), 1u) << "b depends on a: it is in the last level";
  EXPECT_TRUE(s.finished());
}

TEST(StartScheduler, ParallelismBoundsStartsInFlight) {
  Fixture f({{}, {}, {}, {}, {}});
  auto s = f.scheduler(StartStrategy::eager, 2);
  auto first = s.take_startable();
  EXPECT_EQ(first.size(), 2u);
  EXPECT_EQ(s.in_flight(), 2u);
  EXPECT_TRUE(s.take_startable().empty());
  s.mark_ready(first[0]);
  EXPECT_EQ(s.take_startable().size(), 1u);
}

TEST(StartScheduler, LongestChainGoesFirst) {
  // a alone; b <- c <- d chain. With one slot and tails as priority, b starts first.
  Fixture f({{}, {}, {1}, {2}});
  auto tails = f.graph.tail_lengths({1, 1, 1, 1});
  auto s = f.scheduler(StartStrategy::eager, 1, tails);
  EXPECT_EQ(s.take_startable(), (std::vector<NodeId>{1}));
}

TEST(StartScheduler, AFailureBlocksEveryAgentThatNeedsItAndNothingElse) {
  // a; b <- a; c <- b; d independent.
  Fixture f({{}, {0}, {1}, {}});
  auto s = f.scheduler(StartStrategy::eager, 8);
  s.take_startable();
  auto blocked = s.mark_failed(0);
  ASSERT_EQ(blocked.size(), 2u);
  for (auto& b : blocked) EXPECT_EQ(b.blocked_by, 0u);
  EXPECT_EQ(s.state(1), State::blocked);
  EXPECT_EQ(s.state(2), State::blocked);
  EXPECT_EQ(s.state(3), State::in_flight);
  s.mark_ready(3);
  EXPECT_TRUE(s.finished());
}

TEST(StartScheduler, UnselectedNodesAreNotStartedButTheirDependentsWaitForThem) {
  Fixture f({{}, {0}, {}});
  StartScheduler s(f.graph, {false, true, true}, {}, StartStrategy::eager, 8);
  EXPECT_EQ(s.state(0), State::excluded);
  EXPECT_EQ(s.take_startable(), (std::vector<NodeId>{2}));
  EXPECT_EQ(s.waiting_on_remote(1), (std::vector<NodeId>{0}));
  s.mark_remote_ready(0);
  s.mark_remote_ready(0);  // a second announcement changes nothing
  EXPECT_TRUE(s.waiting_on_remote(1).empty());
  EXPECT_EQ(s.take_startable(), (std::vector<NodeId>{1}));
}

TEST(StartScheduler, ARemoteDependencyThatNeverComesCanBeBlocked) {
  Fixture f({{}, {0}, {1}});
  StartScheduler s(f.graph, {false, true, true}, {}, StartStrategy::eager, 8);
  EXPECT_TRUE(s.take_startable().empty());
  auto blocked = s.block(1);
  EXPECT_EQ(blocked.size(), 2u);
  EXPECT_TRUE(s.finished());
}

TEST(StartScheduler, BlockingANodeForAnOutsideReasonBlocksItsDependents) {
  Fixture f({{}, {0}, {1}});
  auto s = f.scheduler(StartStrategy::eager, 8);
  auto blocked = s.block(1);
  EXPECT_EQ(blocked.size(), 2u);
  EXPECT_EQ(s.state(2), State::blocked);
  EXPECT_EQ(s.take_startable(), (std::vector<NodeId>{0}));
  s.mark_ready(0);
  EXPECT_TRUE(s.finished());
}

TEST(StartScheduler, TwentyThousandChainDoesNotRecurse) {
  std::vector<std::vector<int>> deps(20000);
  for (int i = 1; i < 20000; ++i) deps[i] = {i - 1};
  std::vector<config::AgentSpec> agents;
  for (int i = 0; i < 20000; ++i) {
    config::AgentSpec a;
    a.name = "n" + std::to_string(i);
    if (i) a.dependencies.push_back({"n" + std::to_string(i - 1), {}});
    agents.push_back(std::move(a));
  }
  auto graph = graph::DependencyGraph::build(agents);
  StartScheduler s(graph, std::vector<bool>(agents.size(), true), {}, StartStrategy::eager, 4);
  s.take_startable();
  EXPECT_EQ(s.mark_failed(0).size(), 19999u);
  EXPECT_TRUE(s.finished());
}

}  // namespace
}  // namespace agenthost::runtime
