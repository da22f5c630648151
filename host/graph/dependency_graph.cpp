#include "graph/dependency_graph.hpp"

#include <algorithm>

namespace agenthost::graph {

DependencyGraph DependencyGraph::build(const std::vector<config::AgentSpec>& agents) {
  DependencyGraph g;
  const std::size_t n = agents.size();
  g.names_.reserve(n);
  g.index_.reserve(n);
  g.deps_.resize(n);
  g.dependents_.resize(n);
  for (NodeId id = 0; id < n; ++id) {
    g.names_.push_back(agents[id].name);
    g.index_.emplace(agents[id].name, id);  // keeps the first of duplicate names
  }
  for (NodeId id = 0; id < n; ++id) {
    auto& deps = g.deps_[id];
    for (const auto& dep : agents[id].dependencies) {
      auto it = g.index_.find(dep.name);
      if (it == g.index_.end()) continue;
      // A self-dependency stays in the graph: it is a cycle the host must refuse.
      if (std::find(deps.begin(), deps.end(), it->second) != deps.end()) continue;
      deps.push_back(it->second);
      g.dependents_[it->second].push_back(id);
    }
  }
  return g;
}

std::optional<NodeId> DependencyGraph::find(std::string_view name) const {
  auto it = index_.find(std::string(name));
  if (it == index_.end()) return std::nullopt;
  return it->second;
}

namespace {

// Kahn's algorithm: nodes in an order where each comes after all its dependencies. Nodes on
// or behind a cycle are left out.
std::vector<NodeId> topological_order(const std::vector<std::vector<NodeId>>& deps,
                                      const std::vector<std::vector<NodeId>>& dependents) {
  const std::size_t n = deps.size();
  std::vector<std::size_t> waiting(n);
  std::vector<NodeId> order;
  order.reserve(n);
  for (NodeId v = 0; v < n; ++v) {
    waiting[v] = deps[v].size();
    if (waiting[v] == 0) order.push_back(v);
  }
  for (std::size_t head = 0; head < order.size(); ++head) {
    for (NodeId d : dependents[order[head]])
      if (--waiting[d] == 0) order.push_back(d);
  }
  return order;
}

}  // namespace

bool DependencyGraph::has_cycle() const { return topological_order(deps_, dependents_).size() != size(); }

std::vector<std::vector<NodeId>> DependencyGraph::levels() const {
  std::vector<std::size_t> level(size(), 0);
  std::vector<std::vector<NodeId>> out;
  for (NodeId v : topological_order(deps_, dependents_)) {
    for (NodeId d : deps_[v]) level[v] = std::max(level[v], level[d] + 1);
    if (out.size() <= level[v]) out.resize(level[v] + 1);
    out[level[v]].push_back(v);
  }
  for (auto& group : out) std::sort(group.begin(), group.end());  // config order within a level
  return out;
}

CriticalPath DependencyGraph::critical_path(const std::vector<double>& weights) const {
  const std::size_t n = size();
  auto weight = [&](NodeId v) { return v < weights.size() ? weights[v] : 0.0; };
  std::vector<double> finish(n, 0);
  std::vector<std::size_t> hops(n, 1);
  std::vector<std::optional<NodeId>> via(n);
  CriticalPath best;
  std::optional<NodeId> end;
  for (NodeId v : topological_order(deps_, dependents_)) {
    double start = 0;
    for (NodeId d : deps_[v]) {
      // On equal length the chain with more agents wins: agents without an estimate (weight
      // 0) still belong on the path shown to the operator.
      if (!via[v] || finish[d] > start || (finish[d] == start && hops[d] + 1 > hops[v])) {
        start = finish[d];
        via[v] = d;
        hops[v] = hops[d] + 1;
      }
    }
    finish[v] = start + weight(v);
    if (!end || finish[v] > best.length || (finish[v] == best.length && hops[v] > hops[*end])) {
      best.length = finish[v];
      end = v;
    }
  }
  for (std::optional<NodeId> v = end; v; v = via[*v]) best.nodes.push_back(*v);
  std::reverse(best.nodes.begin(), best.nodes.end());
  return best;
}

std::vector<double> DependencyGraph::tail_lengths(const std::vector<double>& weights) const {
  std::vector<double> tail(size(), 0);
  auto order = topological_order(deps_, dependents_);
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    double after = 0;
    for (NodeId d : dependents_[*it]) after = std::max(after, tail[d]);
    tail[*it] = (*it < weights.size() ? weights[*it] : 0.0) + after;
  }
  return tail;
}

}  // namespace agenthost::graph
