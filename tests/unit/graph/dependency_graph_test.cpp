#include <gtest/gtest.h>

#include "graph/dependency_graph.hpp"

namespace agenthost::graph {
namespace {

// agents("A:B,C", "B", ...) : A depends on B and C.
std::vector<config::AgentSpec> agents(std::initializer_list<std::string> specs) {
  std::vector<config::AgentSpec> out;
  for (const auto& spec : specs) {
    config::AgentSpec a;
    const auto colon = spec.find(':');
    a.name = spec.substr(0, colon);
    if (colon != std::string::npos) {
      std::string rest = spec.substr(colon + 1);
      std::size_t start = 0;
      while (start <= rest.size()) {
        auto comma = rest.find(',', start);
        if (comma == std::string::npos) comma = rest.size();
        if (comma > start) a.dependencies.push_back({rest.substr(start, comma - start), {}});
        start = comma + 1;
      }
    }
    out.push_back(std::move(a));
  }
  return out;
}

std::vector<std::string> names(const DependencyGraph& g, const std::vector<NodeId>& ids) {
  std::vector<std::string> out;
  for (auto id : ids) out.push_back(g.name(id));
  return out;
}

using Names = std::vector<std::string>;

TEST(DependencyGraphTest, BuildLeavesOutUnknownAndKeepsFirstDuplicate) {
  auto g = DependencyGraph::build(agents({"A:B,X,B", "B", "A"}));
  EXPECT_EQ(g.size(), 3u);
  EXPECT_EQ(g.find("A"), 0u);
  EXPECT_EQ(g.find("X"), std::nullopt);
  EXPECT_EQ(g.dependencies(0), std::vector<NodeId>{1});
  EXPECT_EQ(g.dependents(1), std::vector<NodeId>{0});
}

TEST(DependencyGraphTest, LevelsOfADiamond) {
  auto g = DependencyGraph::build(agents({"D:B,C", "B:A", "C:A", "A", "E"}));
  auto levels = g.levels();
  ASSERT_EQ(levels.size(), 3u);
  EXPECT_EQ(names(g, levels[0]), (Names{"A", "E"}));
  EXPECT_EQ(names(g, levels[1]), (Names{"B", "C"}));
  EXPECT_EQ(names(g, levels[2]), (Names{"D"}));
  EXPECT_FALSE(g.has_cycle());
  EXPECT_TRUE(g.cycles().empty());
}

TEST(DependencyGraphTest, ListsEveryElementaryCycle) {
  // A->B->A, B->C->B, A->B->C->A and the self loop D->D.
  auto g = DependencyGraph::build(agents({"A:B", "B:A,C", "C:B,A", "D:D"}));
  EXPECT_TRUE(g.has_cycle());
  std::vector<Names> found;
  for (const auto& c : g.cycles()) found.push_back(names(g, c));
  std::sort(found.begin(), found.end());
  EXPECT_EQ(found, (std::vector<Names>{{"A", "B"}, {"A", "B", "C"}, {"B", "C"}, {"D"}}));
  EXPECT_EQ(g.cycles(2).size(), 2u);
  EXPECT_TRUE(g.cycles(0).empty());
}

TEST(DependencyGraphTest, CriticalPathAndTails) {
  // A (1) <- B (5) <- D (1);  A <- C (2) <- D
  auto g = DependencyGraph::build(agents({"A", "B:A", "C:A", "D:B,C"}));
  const std::vector<double> w = {1, 5, 2, 1};
  auto path = g.critical_path(w);
  EXPECT_EQ(names(g, path.nodes), (Names{"A", "B", "D"}));
  EXPECT_DOUBLE_EQ(path.length, 7);
  EXPECT_EQ(g.tail_lengths(w), (std::vector<double>{7, 6, 3, 1}));
}

TEST(DependencyGraphTest, EmptyGraph) {
  auto g = DependencyGraph::build({});
  EXPECT_TRUE(g.levels().empty());
  EXPECT_TRUE(g.critical_path({}).nodes.empty());
  EXPECT_FALSE(g.has_cycle());
}

std::vector<config::AgentSpec> chain(std::size_t n) {
  std::vector<config::AgentSpec> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    out[i].name = "a" + std::to_string(i);
    if (i > 0) out[i].dependencies.push_back({out[i - 1].name, {}});
  }
  return out;
}

TEST(DependencyGraphTest, TwentyThousandChain) {
  auto specs = chain(20000);
  auto g = DependencyGraph::build(specs);
  EXPECT_FALSE(g.has_cycle());
  EXPECT_TRUE(g.cycles().empty());
  EXPECT_EQ(g.levels().size(), 20000u);
  auto path = g.critical_path(std::vector<double>(20000, 1.0));
  EXPECT_EQ(path.nodes.size(), 20000u);
  EXPECT_DOUBLE_EQ(g.tail_lengths(std::vector<double>(20000, 1.0))[0], 20000);

  specs[0].dependencies.push_back({"a19999", {}});
  auto cyclic = DependencyGraph::build(specs);
  EXPECT_TRUE(cyclic.has_cycle());
  auto cycles = cyclic.cycles();
  ASSERT_EQ(cycles.size(), 1u);
  EXPECT_EQ(cycles[0].size(), 20000u);
  EXPECT_TRUE(cyclic.levels().empty());
}

}  // namespace
}  // namespace agenthost::graph
