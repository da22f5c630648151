#pragma once
// A figure and its baseline measured in alternating blocks of round trips (S B | B S | S B
// ...), so that the machine's drift hits both alike. On these VMs the baseline alone moves by
// a third between runs a minute apart; measured apart, a ratio of the two says more about the
// minute than about the code.

#include <chrono>
#include <cstddef>
#include <functional>

#include "latency_stats.hpp"
#include "raw_baselines.hpp"

namespace agenthost::bench {

struct InterleavedResult {
  LatencyResult subject;   // over all of its blocks
  LatencyResult baseline;  // over all of its blocks
  double median_block_ratio = 0;  // subject p50 / baseline p50 of neighbouring blocks, median
  // CPU time of the calling thread per round trip (user and system): what the caller's side
  // of each path costs, apart from waiting.
  double subject_caller_cpu_us = 0;
  double baseline_caller_cpu_us = 0;
};

// `plan.warmup` round trips of each, then `plan.count` of each in `blocks` blocks (each block
// after a few unmeasured round trips: the switch is not what is measured). Stops at
// plan.time_limit like measure_round_trips(). Each function makes one round trip and throws
// when it fails.
InterleavedResult interleave_round_trips(const RoundTripPlan& plan, std::size_t blocks,
                                         const std::function<void()>& subject,
                                         const std::function<void()>& baseline);

}  // namespace agenthost::bench
