#include "cli/plan_command.hpp"

#include <set>

#include <fmt/format.h>
#include <fmt/ostream.h>

#include "cli/check_command.hpp"
#include "config/duration.hpp"
#include "graph/dependency_graph.hpp"

namespace agenthost::cli {

namespace {

using config::AgentSpec;
using graph::NodeId;

constexpr std::size_t kLineWidth = 100;

struct Selection {
  std::vector<AgentSpec> agents;                         // of the selected machine(s)
  std::vector<std::pair<std::string, std::string>> external;  // (dependent, dependency) elsewhere
};

Selection select(const config::ClusterConfig& config, const std::string& machine) {
  Selection out;
  std::set<std::string> selected;
  for (const auto& agent : config.agents) {
    if (machine == "all" || agent.runs_on(machine)) {
      out.agents.push_back(agent);
      selected.insert(agent.name);
    }
  }
  for (const auto& agent : out.agents)
    for (const auto& dep : agent.dependencies)
      if (!selected.count(dep.name)) out.external.emplace_back(agent.name, dep.name);
  return out;
}

// "label: A, B, C" wrapped at kLineWidth, continuation lines indented: 40 names stay readable.
void print_wrapped(std::ostream& out, const std::string& label, const std::vector<std::string>& names,
                   const std::string& separator = ",") {
  std::string line = label;
  const std::string indent(4, ' ');
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string item = names[i] + (i + 1 < names.size() ? separator : "");
    if (line.size() + 1 + item.size() > kLineWidth && line.size() > indent.size()) {
      out << line << '\n';
      line = indent + item;
    } else {
      line += " " + item;
    }
  }
  out << line << '\n';
}

// "31.2 s"; a second decimal only when it carries something ("32.15 s").
std::string seconds(double s) {
  const std::string two = fmt::format("{:.2f}", s);
  return (two.back() == '0' ? two.substr(0, two.size() - 1) : two) + " s";
}

void print_text(std::ostream& out, const std::string& machine, const Selection& sel,
                const graph::DependencyGraph& g, const std::vector<double>& weights) {
  const auto levels = g.levels();
  fmt::print(out, "plan for {}: {} agents in {} levels\n",
             machine == "all" ? std::string("all machines") : fmt::format("machine '{}'", machine),
             sel.agents.size(), levels.size());
  for (std::size_t i = 0; i < levels.size(); ++i) {
    std::vector<std::string> names;
    for (NodeId id : levels[i]) names.push_back(g.name(id));
    print_wrapped(out, fmt::format("level {} ({} agent{}):", i, names.size(), names.size() == 1 ? "" : "s"),
                  names);
  }
  if (!sel.external.empty()) {
    std::vector<std::string> items;
    for (const auto& [dependent, dependency] : sel.external) items.push_back(dependency + " (for " + dependent + ")");
    print_wrapped(out, fmt::format("external dependencies, waited for through the registry ({}):",
                                   items.size()), items);
  }
  double sum = 0;
  std::size_t unknown = 0;
  for (std::size_t i = 0; i < sel.agents.size(); ++i) {
    sum += weights[i];
    if (!sel.agents[i].expected_start) ++unknown;
  }
  fmt::print(out, "sequential start: {}\n", seconds(sum));
  const auto path = g.critical_path(weights);
  std::vector<std::string> chain;
  for (NodeId id : path.nodes) chain.push_back(g.name(id));
  print_wrapped(out, fmt::format("critical path ({}):", seconds(path.length)), chain, " ->");
  if (unknown > 0)
    fmt::print(out, "{} of {} agents have no expected_start (counted as 0; add expected_start: to them)\n",
               unknown, sel.agents.size());
}

std::string escaped(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

std::string quoted(const std::string& s) { return "\"" + escaped(s) + "\""; }

// A two-line Graphviz label; "\n" is Graphviz's own line break, so it is not escaped.
std::string label(const std::string& first, const std::string& second) {
  return "\"" + escaped(first) + "\\n" + escaped(second) + "\"";
}

void print_dot(std::ostream& out, const Selection& sel, const graph::DependencyGraph& g,
               const std::vector<double>& weights) {
  const auto path = g.critical_path(weights);
  std::set<std::pair<NodeId, NodeId>> critical;
  for (std::size_t i = 0; i + 1 < path.nodes.size(); ++i) critical.emplace(path.nodes[i], path.nodes[i + 1]);
  std::set<NodeId> on_path(path.nodes.begin(), path.nodes.end());

  out << "digraph agenthost_plan {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];\n";
  const auto levels = g.levels();
  for (std::size_t i = 0; i < levels.size(); ++i) {
    fmt::print(out, "  subgraph level_{} {{\n    rank=same;\n", i);
    for (NodeId id : levels[i]) {
      const auto& agent = sel.agents[id];
      const std::string text = agent.expected_start
                                   ? label(agent.name, config::format_duration(*agent.expected_start))
                                   : quoted(agent.name);
      fmt::print(out, "    {} [label={}{}];\n", quoted(agent.name), text,
                 on_path.count(id) ? ", color=red, penwidth=2" : "");
    }
    out << "  }\n";
  }
  for (NodeId v = 0; v < g.size(); ++v) {
    for (NodeId dep : g.dependencies(v)) {
      fmt::print(out, "  {} -> {}{};\n", quoted(g.name(dep)), quoted(g.name(v)),
                 critical.count({dep, v}) ? " [color=red, style=bold, penwidth=2]" : "");
    }
  }
  std::set<std::string> external_nodes;
  for (const auto& [dependent, dependency] : sel.external) {
    if (external_nodes.insert(dependency).second)
      fmt::print(out, "  {} [style=dashed, color=gray, label={}];\n", quoted(dependency),
                 label(dependency, "(external)"));
    fmt::print(out, "  {} -> {} [style=dashed, color=gray];\n", quoted(dependency), quoted(dependent));
  }
  out << "}\n";
}

}  // namespace

int run_plan(const PlanOptions& options, std::ostream& out, std::ostream& err) {
  // Plugins need not be built to plan: the order only depends on the config.
  auto result = validate_config(options.config_path, /*strict=*/false, /*check_plugins=*/false);
  if (!result.ok()) {
    print_diagnostics(result.config, result.diagnostics, err);
    fmt::print(err, "{}: invalid config, no plan (fix the errors above)\n", options.config_path);
    return 1;
  }
  const std::string machine = options.machine.empty() ? result.config.host.name : options.machine;
  const Selection sel = select(result.config, machine);
  if (sel.agents.empty()) {
    std::set<std::string> machines;
    for (const auto& agent : result.config.agents) machines.insert(agent.machines.begin(), agent.machines.end());
    fmt::print(err, "{}: no agents on machine '{}' (machines in this config: {}; or use --machine all)\n",
               options.config_path, machine, fmt::join(machines, ", "));
    return 1;
  }
  const auto g = graph::DependencyGraph::build(sel.agents);
  std::vector<double> weights;
  for (const auto& agent : sel.agents)
    weights.push_back(agent.expected_start ? static_cast<double>(agent.expected_start->count()) / 1000.0 : 0.0);
  if (options.dot) print_dot(out, sel, g, weights);
  else print_text(out, machine, sel, g, weights);
  return 0;
}

}  // namespace agenthost::cli
