#pragma once
// One request on its way to an agent's handler, whoever sent it: a client in this host (the
// in-host fast path), a caller on a socket, or the host itself. The sender decides what
// completing it means (wake a waiting thread, run a callback, queue a reply for the socket).

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "agenthost/messaging.hpp"

namespace agenthost::messaging {

class Call {
 public:
  Call(std::string method, std::string payload, std::string caller, Clock::time_point deadline)
      : method(std::move(method)),
        payload(std::move(payload)),
        caller(std::move(caller)),
        deadline(deadline) {}
  virtual ~Call() = default;
  Call(const Call&) = delete;
  Call& operator=(const Call&) = delete;

  // Exactly once: a handler's reply and the deadline watch may race, the first one wins.
  // Returns false when the call was already completed.
  bool complete(int status, std::string body) noexcept {
    if (done_.exchange(true, std::memory_order_acq_rel)) return false;
    deliver(status, std::move(body));
    return true;
  }
  bool completed() const noexcept { return done_.load(std::memory_order_acquire); }

  std::string method;
  std::string payload;  // moved into the handler's Request
  std::string caller;
  Clock::time_point deadline;

 protected:
  virtual void deliver(int status, std::string body) noexcept = 0;

 private:
  std::atomic<bool> done_{false};
};

using CallPtr = std::shared_ptr<Call>;

}  // namespace agenthost::messaging
