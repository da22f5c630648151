#pragma once
// `agenthost plan --config FILE [--machine NAME|all] [--dot]`: the start-up levels, the
// sequential sum and the critical path of one machine's agents, or a Graphviz graph of them.

#include <ostream>
#include <string>

namespace agenthost::cli {

struct PlanOptions {
  std::string config_path;
  std::string machine;  // "" = host.name, "all" = every machine
  bool dot = false;
};

// 0 ok, 1 invalid config (its problems are printed to `err`) or no agent on that machine.
int run_plan(const PlanOptions& options, std::ostream& out, std::ostream& err);

}  // namespace agenthost::cli
