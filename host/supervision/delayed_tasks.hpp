#pragma once
// Timers: tasks that run at a given time on one timer thread — the restart back-offs, and the
// agents' own timers (API 1.6, runtime/agent_tasks.cpp), which only hand their run to a pool. cancel_all() (at
// shutdown) hands every pending task `cancelled = true` on the caller's thread instead, so
// that whatever a task would have released is released either way, and nothing runs later.
//
// Threads: schedule() and cancel_all() from any thread. A task runs on the timer thread, made
// by the first schedule() (without this object's lock): it must be quick — the runtime's
// hands work to its pool.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

namespace agenthost::supervision {

class DelayedTasks {
 public:
  using Clock = std::chrono::steady_clock;
  using Task = std::function<void(bool cancelled)>;

  DelayedTasks();
  ~DelayedTasks();  // cancel_all()
  DelayedTasks(const DelayedTasks&) = delete;
  DelayedTasks& operator=(const DelayedTasks&) = delete;

  // After cancel_all(), the task is cancelled at once, on the caller's thread.
  void schedule(Clock::time_point due, Task task);
  // Cancels every pending task and ends the timer thread; returns how many were pending.
  std::size_t cancel_all();

 private:
  void loop();

  std::mutex mu_;
  std::condition_variable cv_;
  std::multimap<Clock::time_point, Task> pending_;  // guarded by mu_
  bool closed_ = false;                            // guarded by mu_
  std::thread thread_;  // made under mu_ by the first schedule(); not after closed_
};

}  // namespace agenthost::supervision
