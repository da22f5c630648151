#include "supervision/restart_tracker.hpp"

#include <algorithm>
#include <cmath>

namespace agenthost::supervision {

RestartTracker::RestartTracker(config::RestartBackoffSpec backoff, config::StartLimitSpec limit, Random random)
    : backoff_(backoff), limit_(limit), random_(std::move(random)), engine_(std::random_device{}()) {
  if (!random_) {
    random_ = [this] { return std::uniform_real_distribution<double>(0.0, 1.0)(engine_); };
  }
}

RestartTracker::Decision RestartTracker::on_failure(Clock::time_point now) {
  while (!restarts_.empty() && now - restarts_.front() >= limit_.interval) restarts_.pop_front();
  Decision d;
  if (restarts_.size() >= static_cast<std::size_t>(std::max(0, limit_.burst))) {
    d.give_up = true;
    d.restarts_in_interval = restarts_.size();
    return d;
  }
  d.delay = backoff();
  ++failures_in_a_row_;
  restarts_.push_back(now);
  d.restarts_in_interval = restarts_.size();
  return d;
}

void RestartTracker::reset() {
  failures_in_a_row_ = 0;
  restarts_.clear();
}

std::chrono::milliseconds RestartTracker::backoff() const {
  // initial * 2^failures, computed in double so that a long streak cannot overflow.
  const double cap = double(backoff_.max.count());
  const double base = std::min(cap, double(backoff_.initial.count()) * std::pow(2.0, double(failures_in_a_row_)));
  const double spread = std::clamp(backoff_.jitter, 0.0, 1.0) * (2.0 * random_() - 1.0);
  const double jittered = std::clamp(base * (1.0 + spread), 0.0, cap);
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(jittered)));
}

}  // namespace agenthost::supervision
