#include "messaging/deadline_watch.hpp"

#include <pthread.h>

#include "messaging/wire_protocol.hpp"

namespace agenthost::messaging {

DeadlineWatch::DeadlineWatch() = default;

DeadlineWatch::~DeadlineWatch() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void DeadlineWatch::watch(const CallPtr& call) {
  if (call->deadline == Clock::time_point::max()) return;
  bool earliest = false;
  {
    std::lock_guard lock(mu_);
    if (stop_) return;
    if (!thread_.joinable()) {
      // Made on first use: most hosts never make an asynchronous in-host call.
      thread_ = std::thread([this] { run(); });
      pthread_setname_np(thread_.native_handle(), "call-deadlines");
    }
    earliest = heap_.empty() || call->deadline < heap_.top().at;
    if (heap_.size() >= prune_at_) prune_locked();
    heap_.push({call->deadline, call});
  }
  if (earliest) cv_.notify_one();
}

// Most calls are answered long before their deadline. Dropping their entries whenever the
// heap has doubled keeps it (and the control blocks its weak pointers pin) small.
void DeadlineWatch::prune_locked() {
  std::vector<Entry> live;
  live.reserve(heap_.size());
  while (!heap_.empty()) {
    if (!heap_.top().call.expired()) live.push_back(heap_.top());
    heap_.pop();
  }
  heap_ = decltype(heap_)(std::greater<>(), std::move(live));
  prune_at_ = std::max<std::size_t>(kMinPruneAt, 2 * heap_.size());
}

void DeadlineWatch::run() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    if (heap_.empty()) {
      cv_.wait(lock);
      continue;
    }
    auto at = heap_.top().at;
    if (Clock::now() < at) {
      cv_.wait_until(lock, at);
      continue;
    }
    auto call = heap_.top().call.lock();
    heap_.pop();
    if (!call) continue;  // answered and gone
    lock.unlock();
    call->complete(kCallerGaveUp, "no reply before the deadline");
    call.reset();
    lock.lock();
  }
}

}  // namespace agenthost::messaging
