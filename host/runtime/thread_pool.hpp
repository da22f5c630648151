#pragma once
// A pool of threads for running agent code (starts, stops, health calls).
//
// Agent code can hang for ever, and a thread cannot be killed. So the pool is elastic: when a
// caller gives up on a task (compensate_for_stuck_task), the pool adds a thread in its place,
// and retires one when the stuck task finally returns (stuck_task_returned). A hung agent
// thus costs one thread, never a slot of the pool.
//
// Threads: submit, compensate_for_stuck_task and stuck_task_returned may be called from any
// thread. shutdown() from one thread, once.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

namespace agenthost::runtime {

class ThreadPool {
 public:
  // At most `workers` threads (plus stand-ins for stuck tasks), created as tasks arrive.
  // `timer_slack` > 0 sets the workers' timer slack (prctl PR_SET_TIMERSLACK; Linux's default
  // is 50 us, and a sleep in this VM then overshoots by 100-140 us at the median instead of
  // ~50): for pools whose tasks are on a latency-critical path, such as agent starts.
  ThreadPool(std::string name, std::size_t workers, std::chrono::nanoseconds timer_slack = {});
  ~ThreadPool();  // shutdown(0s) if not done yet
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Queues a task. Tasks must not throw (the pool logs and swallows what escapes).
  void submit(std::function<void()> task);

  // Has the spawner make workers now, up to `count` in all (and `workers`), so that the
  // tasks of a burst that is about to come find them waiting instead of each waiting
  // ~0.15 ms for a thread to be made. They stay until shutdown, like any worker.
  void prestart(std::size_t count);

  void compensate_for_stuck_task();
  void stuck_task_returned();

  // Runs the queued tasks, then joins the workers; waits up to `grace` for busy ones and
  // detaches those still inside agent code. Returns how many were left running.
  std::size_t shutdown(std::chrono::milliseconds grace);

  std::size_t thread_count() const;

 private:
  struct Shared;
  std::shared_ptr<Shared> shared_;
  bool shut_down_ = false;
};

}  // namespace agenthost::runtime
