#pragma once
// Decides which agents may start now. Pure logic on the dependency graph: no threads, no
// clocks, no agent code, so it is unit-tested on its own. Used by the control thread only.
//
// eager:      an agent may start the moment every dependency is ready (not level by level);
//             among those, the one with the longest chain behind it goes first.
// levels:     the seed roadmap's level barrier: all of level k must be settled before any
//             agent of level k+1 starts.
// sequential: one at a time, in level order.
// In all three, at most `parallelism` starts are in flight.

#include <cstddef>
#include <optional>
#include <queue>
#include <string>
#include <vector>

#include "config/config_model.hpp"
#include "graph/dependency_graph.hpp"

namespace agenthost::runtime {

using graph::NodeId;

class StartScheduler {
 public:
  enum class NodeState { excluded, waiting, eligible, in_flight, ready, failed, blocked };

  struct Blocked {
    NodeId node;
    NodeId blocked_by;  // the failed agent at the root of the chain
  };

  // `selected[i]` says whether node i is started by this host; a selected node that depends
  // on an unselected one waits for mark_remote_ready() of it. `priority[i]` orders eligible
  // nodes (larger first). The graph must be acyclic over the selected nodes.
  StartScheduler(const graph::DependencyGraph& graph, std::vector<bool> selected,
                 std::vector<double> priority, config::StartStrategy strategy, int parallelism);

  // Nodes to start now, each moved to in_flight. Call after every event.
  std::vector<NodeId> take_startable();

  void mark_ready(NodeId node);
  // An agent this host does not run (another machine's) is ready: its dependents here may
  // start. Until then they wait. Only the first call per node counts.
  void mark_remote_ready(NodeId node);
  // The dependencies of `node` on other machines' agents that are not ready yet.
  std::vector<NodeId> waiting_on_remote(NodeId node) const;
  // The node failed: every selected node that depends on it, directly or not, is blocked.
  // Returns the newly blocked nodes.
  std::vector<Blocked> mark_failed(NodeId node);
  // A node that cannot start for a reason outside the graph (a dependency on an agent this
  // host cannot see): it and its dependents are blocked by `node` itself.
  std::vector<Blocked> block(NodeId node);

  NodeState state(NodeId node) const { return states_[node]; }
  std::size_t in_flight() const { return in_flight_; }
  // Every selected node is ready, failed or blocked.
  bool finished() const { return settled_ == selected_count_; }

 private:
  struct ByPriority {
    const std::vector<double>* priority;
    bool operator()(NodeId a, NodeId b) const {
      if ((*priority)[a] != (*priority)[b]) return (*priority)[a] < (*priority)[b];
      return a > b;  // then config order
    }
  };

  void settle(NodeId node, NodeState outcome);
  std::vector<Blocked> block_dependents(NodeId root, std::vector<Blocked> out);
  void make_eligible(NodeId node);
  bool level_open(NodeId node) const;

  const graph::DependencyGraph& graph_;
  std::vector<NodeState> states_;
  std::vector<double> priority_;
  std::vector<std::size_t> unready_deps_;  // dependencies (here or remote) not yet ready
  std::vector<bool> remote_ready_;         // excluded nodes that another host says are ready
  std::vector<std::size_t> level_;
  std::vector<std::size_t> unsettled_in_level_;
  std::size_t current_level_ = 0;  // levels/sequential: the lowest level not yet settled
  config::StartStrategy strategy_;
  std::size_t parallelism_;
  std::size_t in_flight_ = 0;
  std::size_t settled_ = 0;
  std::size_t selected_count_ = 0;
  std::priority_queue<NodeId, std::vector<NodeId>, ByPriority> eligible_;
};

}  // namespace agenthost::runtime
