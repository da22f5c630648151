#pragma once
// A circuit breaker per network endpoint: after `failures` consecutive failed calls the
// circuit opens and calls fail at once (CallStatus::circuit_open) instead of each waiting for
// its deadline; after `open_for` one trial call is let through (half-open): its success closes
// the circuit, its failure opens it again.
//
// Threads: thread-safe. The clock is passed in, so that tests need no sleeps.

#include <chrono>
#include <mutex>

namespace agenthost::messaging {

class CircuitBreaker {
 public:
  using Clock = std::chrono::steady_clock;
  enum class State { closed, open, half_open };

  CircuitBreaker(int failures, std::chrono::milliseconds open_for)
      : failures_to_open_(failures < 1 ? 1 : failures), open_for_(open_for) {}

  // May a call go out now? In half-open, only one trial at a time.
  bool allow(Clock::time_point now);
  void record_success();
  void record_failure(Clock::time_point now);
  State state(Clock::time_point now) const;

 private:
  const int failures_to_open_;
  const std::chrono::milliseconds open_for_;
  mutable std::mutex mu_;
  State state_ = State::closed;   // guarded by mu_
  int consecutive_failures_ = 0;  // guarded by mu_
  Clock::time_point opened_at_;   // guarded by mu_
  bool trial_in_flight_ = false;  // guarded by mu_
};

const char* to_string(CircuitBreaker::State state) noexcept;

}  // namespace agenthost::messaging
