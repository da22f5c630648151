#pragma once
// Summary figures of a run of sequential round trips: the median and the tail, and how many
// calls per second one caller gets.

#include <chrono>
#include <cstddef>
#include <vector>

namespace agenthost::bench {

struct LatencyResult {
  double p50_us = 0;
  double p99_us = 0;
  double calls_per_s = 0;
  std::size_t round_trips = 0;  // how many were measured (fewer than planned after a time-out)
};

// `round_trips` are the durations of the individual calls; `elapsed` is the wall time of the
// whole measured loop (calls/s = round trips / elapsed, so loop overhead counts against it).
// Percentiles are nearest-rank. Throws std::invalid_argument when `round_trips` is empty or
// `elapsed` is not positive.
LatencyResult summarize(std::vector<std::chrono::nanoseconds> round_trips,
                        std::chrono::nanoseconds elapsed);

// The nearest-rank percentile `p` (0 < p <= 100) of `values`, which it partially reorders.
std::chrono::nanoseconds percentile(std::vector<std::chrono::nanoseconds>& values, double p);

}  // namespace agenthost::bench
