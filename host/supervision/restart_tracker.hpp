#pragma once
// The restart policy's arithmetic for one agent: how long to wait before the next restart
// (exponential back-off with jitter, capped) and whether the start limit (at most `burst`
// restarts within `interval`) is hit. Pure logic: the caller passes the time, and the random
// source is injectable, so tests need no clock and no luck.
//
// Not thread-safe: the runtime calls it under its lock.

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <random>

#include "config/config_model.hpp"

namespace agenthost::supervision {

class RestartTracker {
 public:
  using Clock = std::chrono::steady_clock;
  using Random = std::function<double()>;  // uniform in [0, 1)

  struct Decision {
    bool give_up = false;              // the start limit is hit: the agent is failed
    std::chrono::milliseconds delay{0};  // before the restart (when not giving up)
    std::size_t restarts_in_interval = 0;  // including this one
  };

  // `random` defaults to a generator seeded from std::random_device.
  RestartTracker(config::RestartBackoffSpec backoff, config::StartLimitSpec limit, Random random = {});

  // The agent failed at `now`: restart it after Decision::delay, or give up.
  Decision on_failure(Clock::time_point now);
  // It has been healthy since its restart: the next failure waits `initial` again.
  void on_recovered() { failures_in_a_row_ = 0; }
  // An operator asked for a restart (`agentctl restart`): forget the history.
  void reset();

  std::size_t failures_in_a_row() const { return failures_in_a_row_; }

 private:
  std::chrono::milliseconds backoff() const;

  config::RestartBackoffSpec backoff_;
  config::StartLimitSpec limit_;
  Random random_;
  // Jitter needs no better than this, and every agent's record has room for a tracker: a
  // Mersenne Twister's 2.5 KB state made each record ~3 KB, a page of memory to fault in per
  // agent at start-up.
  std::minstd_rand engine_;
  std::size_t failures_in_a_row_ = 0;
  std::deque<Clock::time_point> restarts_;  // within the last interval
};

}  // namespace agenthost::supervision
