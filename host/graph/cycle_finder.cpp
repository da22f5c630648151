// DependencyGraph::cycles: Johnson's algorithm (1975) for the elementary cycles of a directed
// graph, with explicit stacks instead of recursion. Strong components are computed once for
// the whole graph and then again only inside a component whose least node was removed, so a
// long chain costs O(V + E), not O(V^2).

#include <algorithm>
#include <functional>
#include <limits>
#include <queue>

#include "graph/dependency_graph.hpp"

namespace agenthost::graph {

namespace {

constexpr std::size_t kUnvisited = std::numeric_limits<std::size_t>::max();

class CycleFinder {
 public:
  using Adjacency = std::vector<std::vector<NodeId>>;

  CycleFinder(const Adjacency& deps, std::size_t limit)
      : deps_(deps), limit_(limit), stamp_(deps.size(), 0), index_(deps.size()), low_(deps.size()),
        on_stack_(deps.size(), 0), blocked_(deps.size(), 0), blocked_by_(deps.size()) {}

  std::vector<std::vector<NodeId>> run() {
    if (limit_ == 0) return {};
    std::vector<NodeId> all(deps_.size());
    for (NodeId v = 0; v < all.size(); ++v) all[v] = v;
    enqueue_cyclic_components(all);
    while (!work_.empty() && cycles_.size() < limit_) {
      std::vector<NodeId> component = std::move(work_.top().second);
      work_.pop();
      search_from_least(component);
    }
    return std::move(cycles_);
  }

 private:
  void mark(const std::vector<NodeId>& nodes) {
    ++token_;
    for (NodeId v : nodes) stamp_[v] = token_;
  }
  bool inside(NodeId v) const { return stamp_[v] == token_; }

  // Tarjan's strong components of the subgraph induced by `nodes`; queues those that hold a
  // cycle (more than one node, or a node that depends on itself).
  void enqueue_cyclic_components(const std::vector<NodeId>& nodes) {
    mark(nodes);
    for (NodeId v : nodes) { index_[v] = kUnvisited; on_stack_[v] = 0; }
    std::size_t counter = 0;
    std::vector<NodeId> stack;
    std::vector<std::pair<NodeId, std::size_t>> calls;  // node, next edge to look at
    for (NodeId root : nodes) {
      if (index_[root] != kUnvisited) continue;
      auto visit = [&](NodeId v) {
        index_[v] = low_[v] = counter++;
        stack.push_back(v);
        on_stack_[v] = 1;
        calls.emplace_back(v, 0);
      };
      visit(root);
      while (!calls.empty()) {
        const NodeId v = calls.back().first;
        if (calls.back().second < deps_[v].size()) {
          const NodeId w = deps_[v][calls.back().second++];
          if (!inside(w)) continue;
          if (index_[w] == kUnvisited) visit(w);
          else if (on_stack_[w]) low_[v] = std::min(low_[v], index_[w]);
          continue;
        }
        calls.pop_back();
        if (!calls.empty()) low_[calls.back().first] = std::min(low_[calls.back().first], low_[v]);
        if (low_[v] != index_[v]) continue;
        std::vector<NodeId> component;
        NodeId w;
        do {
          w = stack.back();
          stack.pop_back();
          on_stack_[w] = 0;
          component.push_back(w);
        } while (w != v);
        const bool self_loop = std::find(deps_[v].begin(), deps_[v].end(), v) != deps_[v].end();
        if (component.size() > 1 || self_loop) {
          const NodeId least = *std::min_element(component.begin(), component.end());
          work_.emplace(least, std::move(component));
        }
      }
    }
  }

  // Every elementary cycle through the least node s of `component`, then the components
  // left once s is removed.
  void search_from_least(std::vector<NodeId>& component) {
    const NodeId s = *std::min_element(component.begin(), component.end());
    mark(component);
    for (NodeId v : component) { blocked_[v] = 0; blocked_by_[v].clear(); }

    struct Frame { NodeId v; std::size_t next; bool found; };
    std::vector<Frame> path{{s, 0, false}};
    blocked_[s] = 1;
    while (!path.empty()) {
      Frame& top = path.back();
      const NodeId v = top.v;
      if (top.next < deps_[v].size()) {
        const NodeId w = deps_[v][top.next++];
        if (!inside(w)) continue;
        if (w == s) {
          std::vector<NodeId> cycle;
          cycle.reserve(path.size());
          for (const auto& f : path) cycle.push_back(f.v);
          cycles_.push_back(std::move(cycle));
          top.found = true;
          if (cycles_.size() >= limit_) return;
        } else if (!blocked_[w]) {
          blocked_[w] = 1;
          path.push_back({w, 0, false});
        }
        continue;
      }
      const bool found = top.found;
      if (found) {
        unblock(v);
      } else {
        for (NodeId w : deps_[v]) {
          if (!inside(w)) continue;
          auto& list = blocked_by_[w];
          if (std::find(list.begin(), list.end(), v) == list.end()) list.push_back(v);
        }
      }
      path.pop_back();
      if (found && !path.empty()) path.back().found = true;
    }
    component.erase(std::find(component.begin(), component.end(), s));
    enqueue_cyclic_components(component);
  }

  void unblock(NodeId u) {
    blocked_[u] = 0;
    std::vector<NodeId> todo{u};
    while (!todo.empty()) {
      const NodeId x = todo.back();
      todo.pop_back();
      for (NodeId w : blocked_by_[x]) {
        if (blocked_[w]) {
          blocked_[w] = 0;
          todo.push_back(w);
        }
      }
      blocked_by_[x].clear();
    }
  }

  const Adjacency& deps_;
  const std::size_t limit_;
  std::size_t token_ = 0;
  std::vector<std::size_t> stamp_;
  std::vector<std::size_t> index_, low_;
  std::vector<char> on_stack_;
  std::vector<char> blocked_;
  std::vector<std::vector<NodeId>> blocked_by_;
  using Work = std::pair<NodeId, std::vector<NodeId>>;  // least node first: stable output order
  std::priority_queue<Work, std::vector<Work>, std::greater<Work>> work_;
  std::vector<std::vector<NodeId>> cycles_;
};

}  // namespace

std::vector<std::vector<NodeId>> DependencyGraph::cycles(std::size_t limit) const {
  return CycleFinder(deps_, limit).run();
}

}  // namespace agenthost::graph
