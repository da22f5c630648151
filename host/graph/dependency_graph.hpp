#pragma once
// The dependency graph of a set of agents: who waits for whom. Every algorithm here is
// iterative: a 20,000-agent chain must not overflow the stack.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/config_model.hpp"

namespace agenthost::graph {

using NodeId = std::size_t;

struct CriticalPath {
  std::vector<NodeId> nodes;  // from a root to the end of the longest chain
  double length = 0;          // sum of the weights along it
};

class DependencyGraph {
 public:
  // Node i is agents[i]. Dependencies on names that are not in `agents` are left out (check
  // reports them); duplicate names map to the first agent of that name.
  static DependencyGraph build(const std::vector<config::AgentSpec>& agents);

  std::size_t size() const { return names_.size(); }
  const std::string& name(NodeId id) const { return names_[id]; }
  std::optional<NodeId> find(std::string_view name) const;
  const std::vector<NodeId>& dependencies(NodeId id) const { return deps_[id]; }
  const std::vector<NodeId>& dependents(NodeId id) const { return dependents_[id]; }

  // Elementary cycles, each as a node list [A, B, C] meaning A -> B -> C -> A (A depends on
  // B ...), at most `limit` of them (the count can grow exponentially).
  std::vector<std::vector<NodeId>> cycles(std::size_t limit = 100) const;
  bool has_cycle() const;

  // Start-up levels: level 0 has no dependencies, level k depends on something at level
  // k-1. Requires an acyclic graph.
  std::vector<std::vector<NodeId>> levels() const;

  // Longest weighted chain through the graph (weights[i] = expected start time of node i).
  CriticalPath critical_path(const std::vector<double>& weights) const;

  // For each node: its weight plus the longest weighted chain of dependents after it. The
  // scheduler starts the node with the largest tail first.
  std::vector<double> tail_lengths(const std::vector<double>& weights) const;

 private:
  std::vector<std::string> names_;
  std::unordered_map<std::string, NodeId> index_;
  std::vector<std::vector<NodeId>> deps_;
  std::vector<std::vector<NodeId>> dependents_;
};

}  // namespace agenthost::graph
