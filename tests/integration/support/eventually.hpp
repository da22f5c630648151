#pragma once
// Waiting for a condition that has no event to wait on (an HTTP answer, another process's
// state): poll it, with a deadline.

#include <chrono>
#include <thread>

namespace agenthost::testing {

// Polls `what` every 50 ms until it returns true, for at most `timeout`; its last answer.
template <class Fn>
bool eventually(Fn what, std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (what()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return what();
}

}  // namespace agenthost::testing
