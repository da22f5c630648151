#include "messaging/leader_followers.hpp"

namespace agenthost::messaging {

LeaderFollowers::LeaderFollowers(std::size_t max_in_handlers, std::size_t max_idle, InlineTiming timing)
    : max_in_handlers_(max_in_handlers), max_idle_(max_idle), timing_(timing) {}

void LeaderFollowers::thread_starting() {
  std::lock_guard lock(mu_);
  ++live_;
}

bool LeaderFollowers::take_lead() {
  std::unique_lock lock(mu_);
  if (led_ && !stopped_ && idle_ >= max_idle_) {
    --live_;  // enough threads wait already
    return false;
  }
  ++idle_;
  while (!stopped_ && led_) {
    if (inline_run_ != 0 && Clock::now() - inline_since_ >= timing_.stall) {
      // The leader's handler runs long: lead in its place (led_ stays set; end_inline() tells
      // the old leader it follows now).
      inline_run_ = 0;
      --idle_;
      return true;
    }
    const bool watch = !watching_ && Clock::now() - last_request_ < timing_.traffic_window;
    if (!watch) {
      lead_free_.wait(lock);
      continue;
    }
    watching_ = true;
    lead_free_.wait_for(lock, timing_.watch_period);
    watching_ = false;
  }
  --idle_;
  if (stopped_) {
    if (--live_ == in_handlers_) ended_.notify_all();
    return false;
  }
  led_ = true;
  return true;
}

bool LeaderFollowers::may_run_handler() const {
  std::lock_guard lock(mu_);
  return in_handlers_ < max_in_handlers_;
}

std::optional<std::uint64_t> LeaderFollowers::begin_inline() {
  std::lock_guard lock(mu_);
  const auto now = Clock::now();
  last_request_ = now;
  if (!watching_ || stopped_) return std::nullopt;
  inline_since_ = now;
  ++in_handlers_;
  inline_run_ = ++last_ticket_;
  return inline_run_;
}

bool LeaderFollowers::end_inline(std::uint64_t ticket) {
  std::lock_guard lock(mu_);
  --in_handlers_;
  if (inline_run_ != ticket) return false;  // the watcher leads now
  inline_run_ = 0;
  return true;
}

bool LeaderFollowers::hand_over_lead() {
  bool start_one = false;
  {
    std::lock_guard lock(mu_);
    last_request_ = Clock::now();
    led_ = false;
    ++in_handlers_;
    if (idle_ == 0) {
      ++live_;  // the caller starts it
      start_one = true;
    }
  }
  if (!start_one) lead_free_.notify_one();
  return start_one;
}

void LeaderFollowers::take_back_lead() {
  std::lock_guard lock(mu_);
  --live_;  // the thread that was not started
  --in_handlers_;
  led_ = true;
}

void LeaderFollowers::back_from_handler() {
  std::lock_guard lock(mu_);
  --in_handlers_;
}

void LeaderFollowers::stopped() {
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
    led_ = false;
    if (--live_ == in_handlers_) ended_.notify_all();
  }
  lead_free_.notify_all();
}

void LeaderFollowers::wait_until_stopped() {
  std::unique_lock lock(mu_);
  ended_.wait(lock, [&] { return stopped_ && live_ == in_handlers_; });
}

}  // namespace agenthost::messaging
