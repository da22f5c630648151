#pragma once
// Completes asynchronous calls whose deadline passes before a reply (a held agent, a handler
// that hangs, a queue that is too long): `done` runs exactly once, even then.
//
// Threads: watch() from any thread; one thread of its own (made by the first watch()) sleeps
// until the next deadline.

#include <condition_variable>
#include <memory>
#include <mutex>
#include <queue>
#include <thread>
#include <vector>

#include "messaging/call.hpp"

namespace agenthost::messaging {

class DeadlineWatch {
 public:
  DeadlineWatch();
  ~DeadlineWatch();
  DeadlineWatch(const DeadlineWatch&) = delete;
  DeadlineWatch& operator=(const DeadlineWatch&) = delete;

  void watch(const CallPtr& call);

 private:
  struct Entry {
    Clock::time_point at;
    std::weak_ptr<Call> call;
    bool operator>(const Entry& other) const { return at > other.at; }
  };
  void run();
  void prune_locked();

  static constexpr std::size_t kMinPruneAt = 4096;

  std::mutex mu_;
  std::condition_variable cv_;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> heap_;  // guarded by mu_
  std::size_t prune_at_ = kMinPruneAt;                                   // guarded by mu_
  bool stop_ = false;                                                    // guarded by mu_
  std::thread thread_;  // made under mu_ by the first watch()
};

}  // namespace agenthost::messaging
