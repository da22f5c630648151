#pragma once
// The `ready: {command: [...]}` probe: a program whose exit status 0 means "ready and
// healthy".

#include <chrono>
#include <string>
#include <vector>

#include "process/launch_spec.hpp"

namespace agenthost::process {

struct ProbeResult {
  bool ok = false;
  std::string detail;  // why not ("exited with status 1", "did not finish within 200ms")
};

// Runs argv (argv[0] looked up in PATH) in `workdir` with `env`, its output discarded, and
// kills it when it has not finished within `timeout`. Blocks the calling thread meanwhile.
ProbeResult run_probe_command(const std::vector<std::string>& argv, const LaunchSpec& like,
                              std::chrono::milliseconds timeout);

}  // namespace agenthost::process
