#include "runtime/startup_progress.hpp"

namespace agenthost::runtime {

std::optional<StartupProgress> ProgressThrottle::take(const StartupProgress& now, Clock::time_point at) {
  if (reported_ && *reported_ == now) {
    waiting_ = false;
    return std::nullopt;
  }
  if (reported_at_ && at < *reported_at_ + min_gap_) {
    waiting_ = true;
    return std::nullopt;
  }
  reported_ = now;
  reported_at_ = at;
  waiting_ = false;
  return now;
}

std::optional<ProgressThrottle::Clock::time_point> ProgressThrottle::next_due() const {
  if (!waiting_) return std::nullopt;
  return *reported_at_ + min_gap_;
}

}  // namespace agenthost::runtime
