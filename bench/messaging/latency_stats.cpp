#include "latency_stats.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace agenthost::bench {

std::chrono::nanoseconds percentile(std::vector<std::chrono::nanoseconds>& values, double p) {
  if (values.empty()) throw std::invalid_argument("percentile of no values");
  if (!(p > 0 && p <= 100)) throw std::invalid_argument("percentile out of (0, 100]");
  // Nearest rank: the smallest value with at least p% of the values at or below it.
  const auto rank =
      static_cast<std::size_t>(std::ceil(p / 100 * static_cast<double>(values.size())));
  const auto nth = values.begin() + static_cast<std::ptrdiff_t>(std::max<std::size_t>(rank, 1) - 1);
  std::nth_element(values.begin(), nth, values.end());
  return *nth;
}

LatencyResult summarize(std::vector<std::chrono::nanoseconds> round_trips,
                        std::chrono::nanoseconds elapsed) {
  if (round_trips.empty()) throw std::invalid_argument("no round trips to summarize");
  if (elapsed.count() <= 0) throw std::invalid_argument("elapsed time must be positive");
  const auto us = [](std::chrono::nanoseconds d) { return static_cast<double>(d.count()) / 1e3; };
  LatencyResult result;
  result.round_trips = round_trips.size();
  result.p50_us = us(percentile(round_trips, 50));
  result.p99_us = us(percentile(round_trips, 99));
  result.calls_per_s =
      static_cast<double>(round_trips.size()) / std::chrono::duration<double>(elapsed).count();
  return result;
}

}  // namespace agenthost::bench
