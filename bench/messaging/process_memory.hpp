#pragma once
// The memory baselines: what N separate agent processes cost, each owning a zmq context and a
// bound ROUTER socket (the seed's one-process-per-agent layout), measured as the sum of their
// PSS (pss.hpp) while all of them are up and have served a request.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace agenthost::bench {

struct MemoryResult {
  double total_mib = 0;
  int processes = 0;
};

// Starts `count` copies of `argv` (each must print "READY <endpoint>" once it serves AH1
// requests there, like minimal_zmq_process and py_minimal_agent.py), waits for all of them,
// makes one AH1 round trip to each, sums their PSS and stops them. Throws std::runtime_error
// when one fails to start or to answer within `timeout`.
MemoryResult measure_process_memory(const std::vector<std::string>& argv, int count,
                                    std::chrono::seconds timeout);

}  // namespace agenthost::bench
