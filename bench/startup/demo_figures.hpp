#pragma once
// The figures of the demo graph that scripts/gen_demo_config.py writes beside the config
// (config/demo/expected.txt), so that the bench need not parse YAML or re-implement the
// critical path.

#include <string>

namespace agenthost::bench {

struct DemoFigures {
  int agents = 0;
  int levels = 0;
  double sequential_ms = 0;     // at scale 1
  double critical_path_ms = 0;  // at scale 1
  double level_barrier_ms = 0;  // at scale 1: sum of each level's slowest agent
};

// Throws std::runtime_error naming the file when it is missing or lacks a figure.
DemoFigures read_demo_figures(const std::string& path);

}  // namespace agenthost::bench
