#include "runtime/start_scheduler.hpp"

#include <algorithm>

namespace agenthost::runtime {

StartScheduler::StartScheduler(const graph::DependencyGraph& graph, std::vector<bool> selected,
                               std::vector<double> priority, config::StartStrategy strategy,
                               int parallelism)
    : graph_(graph),
      states_(graph.size(), NodeState::excluded),
      priority_(std::move(priority)),
      unready_deps_(graph.size(), 0),
      remote_ready_(graph.size(), false),
      level_(graph.size(), 0),
      strategy_(strategy),
      parallelism_(strategy == config::StartStrategy::sequential
                       ? 1
                       : static_cast<std::size_t>(std::max(1, parallelism))),
      eligible_(ByPriority{&priority_}) {
  priority_.resize(graph.size(), 0.0);
  // Levels over the selected nodes only: dependencies outside this host do not count.
  for (const auto& nodes : graph.levels()) {
    for (NodeId n : nodes) {
      if (!selected[n]) continue;
      std::size_t level = 0;
      for (NodeId d : graph.dependencies(n))
        if (selected[d]) level = std::max(level, level_[d] + 1);
      level_[n] = level;
    }
  }
  for (NodeId n = 0; n < graph.size(); ++n) {
    if (!selected[n]) continue;
    ++selected_count_;
    states_[n] = NodeState::waiting;
    if (level_[n] >= unsettled_in_level_.size()) unsettled_in_level_.resize(level_[n] + 1, 0);
    ++unsettled_in_level_[level_[n]];
    // A dependency on another machine's agent counts too, until mark_remote_ready().
    unready_deps_[n] += graph.dependencies(n).size();
  }
  for (NodeId n = 0; n < graph.size(); ++n)
    if (states_[n] == NodeState::waiting && unready_deps_[n] == 0) make_eligible(n);
}

bool StartScheduler::level_open(NodeId node) const {
  return strategy_ == config::StartStrategy::eager || level_[node] <= current_level_;
}

void StartScheduler::make_eligible(NodeId node) {
  states_[node] = NodeState::eligible;
  eligible_.push(node);
}

std::vector<NodeId> StartScheduler::take_startable() {
  std::vector<NodeId> out;
  std::vector<NodeId> deferred;  // eligible, but behind a level barrier
  while (in_flight_ < parallelism_ && !eligible_.empty()) {
    NodeId n = eligible_.top();
    eligible_.pop();
    if (states_[n] != NodeState::eligible) continue;  // blocked meanwhile
    if (!level_open(n)) {
      deferred.push_back(n);
      continue;
    }
    states_[n] = NodeState::in_flight;
    ++in_flight_;
    out.push_back(n);
  }
  for (NodeId n : deferred) eligible_.push(n);
  return out;
}

void StartScheduler::settle(NodeId node, NodeState outcome) {
  if (states_[node] == NodeState::in_flight) --in_flight_;
  states_[node] = outcome;
  ++settled_;
  if (--unsettled_in_level_[level_[node]] == 0) {
    while (current_level_ < unsettled_in_level_.size() &&
           unsettled_in_level_[current_level_] == 0)
      ++current_level_;
  }
}

void StartScheduler::mark_ready(NodeId node) {
  settle(node, NodeState::ready);
  for (NodeId d : graph_.dependents(node)) {
    if (states_[d] != NodeState::waiting) continue;
    if (--unready_deps_[d] == 0) make_eligible(d);
  }
}

void StartScheduler::mark_remote_ready(NodeId node) {
  if (states_[node] != NodeState::excluded || remote_ready_[node]) return;
  remote_ready_[node] = true;
  for (NodeId d : graph_.dependents(node)) {
    if (states_[d] != NodeState::waiting) continue;
    if (--unready_deps_[d] == 0) make_eligible(d);
  }
}

std::vector<NodeId> StartScheduler::waiting_on_remote(NodeId node) const {
  std::vector<NodeId> out;
  for (NodeId d : graph_.dependencies(node))
    if (states_[d] == NodeState::excluded && !remote_ready_[d]) out.push_back(d);
  return out;
}

std::vector<StartScheduler::Blocked> StartScheduler::mark_failed(NodeId node) {
  settle(node, NodeState::failed);
  return block_dependents(node, {});
}

std::vector<StartScheduler::Blocked> StartScheduler::block(NodeId node) {
  std::vector<Blocked> out;
  if (states_[node] == NodeState::waiting || states_[node] == NodeState::eligible) {
    settle(node, NodeState::blocked);
    out.push_back({node, node});
  }
  return block_dependents(node, std::move(out));
}

std::vector<StartScheduler::Blocked> StartScheduler::block_dependents(NodeId root,
                                                                      std::vector<Blocked> out) {
  // Iterative: a 20,000-agent chain must not recurse 20,000 deep.
  std::vector<NodeId> stack{root};
  while (!stack.empty()) {
    NodeId n = stack.back();
    stack.pop_back();
    for (NodeId d : graph_.dependents(n)) {
      if (states_[d] != NodeState::waiting && states_[d] != NodeState::eligible) continue;
      settle(d, NodeState::blocked);
      out.push_back({d, root});
      stack.push_back(d);
    }
  }
  return out;
}

}  // namespace agenthost::runtime
