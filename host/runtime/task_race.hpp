#pragma once
// Decides, exactly once, whether a task running agent code finished in time or was given up
// on by whoever waited for it (a start or health deadline). Both sides may race; exactly one
// of try_finish() and try_abandon() returns true.

#include <atomic>

namespace agenthost::runtime {

class TaskRace {
 public:
  bool try_finish() noexcept { return transition(kFinished); }
  bool try_abandon() noexcept { return transition(kAbandoned); }
  bool abandoned() const noexcept { return state_.load() == kAbandoned; }
  bool finished() const noexcept { return state_.load() == kFinished; }

 private:
  enum : int { kRunning, kFinished, kAbandoned };
  bool transition(int to) noexcept {
    int expected = kRunning;
    return state_.compare_exchange_strong(expected, to);
  }
  std::atomic<int> state_{kRunning};
};

}  // namespace agenthost::runtime
