#include "interleaved.hpp"

#include <time.h>

#include <algorithm>
#include <stdexcept>
#include <vector>

namespace agenthost::bench {
namespace {
constexpr int kBlockWarmup = 20;

double thread_cpu_seconds() {
  timespec now{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}
}  // namespace

InterleavedResult interleave_round_trips(const RoundTripPlan& plan, std::size_t blocks,
                                         const std::function<void()>& subject,
                                         const std::function<void()>& baseline) {
  using Clock = std::chrono::steady_clock;
  if (blocks < 2) throw std::invalid_argument("interleave_round_trips needs at least 2 blocks");
  const auto give_up = Clock::now() + plan.time_limit;
  for (int i = 0; i < plan.warmup && Clock::now() < give_up; ++i) {
    subject();
    baseline();
  }
  struct Side {
    const std::function<void()>& round_trip;
    std::vector<std::chrono::nanoseconds> samples;
    std::chrono::nanoseconds elapsed{0};
    double last_block_p50_us = 0;
    double caller_cpu_s = 0;
  };
  Side sides[2] = {{subject, {}, {}, 0, 0}, {baseline, {}, {}, 0, 0}};
  const auto per_block = std::max<std::size_t>(1, static_cast<std::size_t>(plan.count) / blocks);
  std::vector<double> ratios;
  for (std::size_t block = 0; block < 2 * blocks && Clock::now() < give_up; ++block) {
    // S B | B S | S B ...: each pair has one block of each, in turns first.
    auto& side = sides[(block % 4 == 1 || block % 4 == 2) ? 1 : 0];
    // Not measured: the first round trips after the other side's block wake this side's
    // threads from idle, which a steady stream of calls does not pay.
    for (int i = 0; i < kBlockWarmup && Clock::now() < give_up; ++i) side.round_trip();
    std::vector<std::chrono::nanoseconds> these;
    these.reserve(per_block);
    const double cpu_before = thread_cpu_seconds();
    const auto start = Clock::now();
    auto before = start;
    for (std::size_t i = 0; i < per_block && before < give_up; ++i) {
      side.round_trip();
      const auto after = Clock::now();
      these.push_back(after - before);
      before = after;
    }
    if (these.empty()) break;
    side.caller_cpu_s += thread_cpu_seconds() - cpu_before;
    side.elapsed += before - start;
    side.samples.insert(side.samples.end(), these.begin(), these.end());
    side.last_block_p50_us = static_cast<double>(percentile(these, 50).count()) / 1e3;
    if (block % 2 == 1 && sides[1].last_block_p50_us > 0) {
      ratios.push_back(sides[0].last_block_p50_us / sides[1].last_block_p50_us);
    }
  }
  if (sides[0].samples.empty() || sides[1].samples.empty()) {
    throw std::runtime_error("interleave_round_trips: no round trip measured within the time limit");
  }
  InterleavedResult result;
  result.subject_caller_cpu_us = sides[0].caller_cpu_s * 1e6 / static_cast<double>(sides[0].samples.size());
  result.baseline_caller_cpu_us = sides[1].caller_cpu_s * 1e6 / static_cast<double>(sides[1].samples.size());
  result.subject = summarize(std::move(sides[0].samples), sides[0].elapsed);
  result.baseline = summarize(std::move(sides[1].samples), sides[1].elapsed);
  if (!ratios.empty()) {
    std::sort(ratios.begin(), ratios.end());
    result.median_block_ratio = ratios[ratios.size() / 2];
  }
  return result;
}

}  // namespace agenthost::bench
