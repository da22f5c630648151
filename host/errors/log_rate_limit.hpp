#pragma once
// A token bucket for log lines: a handler that throws on every one of 100k calls a second
// must not flood the log (the journal and the counters still see every event).

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace agenthost::errors {

class LogRateLimit {
 public:
  using Clock = std::chrono::steady_clock;

  LogRateLimit(double lines_per_second, double burst) : rate_(lines_per_second), burst_(burst), tokens_(burst) {}

  // True when a line may be logged now. Not thread-safe (the caller locks).
  bool allow(Clock::time_point now) {
    const double elapsed = std::chrono::duration<double>(now - last_).count();
    last_ = now;
    tokens_ = std::min(burst_, tokens_ + elapsed * rate_);
    if (tokens_ >= 1) {
      tokens_ -= 1;
      return true;
    }
    ++suppressed_;
    return false;
  }

  // Lines refused since the last call (for "N events were not logged").
  std::uint64_t take_suppressed() {
    const auto n = suppressed_;
    suppressed_ = 0;
    return n;
  }

 private:
  const double rate_;
  const double burst_;
  double tokens_;
  Clock::time_point last_ = Clock::now();
  std::uint64_t suppressed_ = 0;
};

}  // namespace agenthost::errors
