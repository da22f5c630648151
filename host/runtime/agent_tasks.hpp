#pragma once
// The host's implementation of an agent's Tasks (API 1.6): timers and executor tasks run on
// the agent worker pool, and close() — called after the agent's stop(), before it is destroyed
// (AgentInstance) — makes sure that none of them runs, or holds a function of the plugin's,
// afterwards.
//
// Threads: after/every/post/cancel from any thread (the agent's); the timer thread fires, a
// worker runs; close() from the thread that destroys the agent. State lives in a shared
// block that the timer's and the pool's queued entries keep alive: after close() they find
// it closed and do nothing.

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "agenthost/tasks.hpp"
#include "supervision/delayed_tasks.hpp"
#include "messaging/worker_pool.hpp"

namespace agenthost::runtime {

class AgentTasks final : public Tasks {
 public:
  using ErrorSink = std::function<void(const std::string& message)>;  // a task threw
  // `agent`: whose tasks these are (crash quarantine names it when one crashes the host).
  AgentTasks(supervision::DelayedTasks& timer, messaging::WorkerPool& workers, ErrorSink on_error,
             std::string agent = "");
  ~AgentTasks() override;  // close()
  AgentTasks(const AgentTasks&) = delete;
  AgentTasks& operator=(const AgentTasks&) = delete;

  TaskId after(std::chrono::milliseconds delay, Task task) override;
  TaskId every(std::chrono::milliseconds period, Task task) override;
  TaskId post(Task task) override;
  bool cancel(TaskId id) override;

  // No task starts from now on; waits for runs in progress; the tasks' functions (the
  // plugin's code) are destroyed on this thread before it returns. Idempotent.
  void close();
  std::size_t scheduled() const;  // tasks that may still run (tests)

 private:
  using Clock = supervision::DelayedTasks::Clock;
  struct Entry {
    std::shared_ptr<Task> task;
    std::chrono::milliseconds period{0};  // 0: runs once
    Clock::time_point due;
    bool running = false;
    std::thread::id runner;
  };
  struct State {
    mutable std::mutex mu;
    std::condition_variable cv;
    std::unordered_map<TaskId, Entry> entries;
    TaskId last_id = 0;
    bool closed = false;
    int running = 0;
    supervision::DelayedTasks* timer;
    messaging::WorkerPool* workers;
    ErrorSink on_error;
    std::string agent;
  };
  TaskId add(std::chrono::milliseconds delay, std::chrono::milliseconds period, Task task, bool now);
  static void fire(const std::shared_ptr<State>& state, TaskId id);  // the timer thread
  static void run(const std::shared_ptr<State>& state, TaskId id);   // a worker

  std::shared_ptr<State> state_;
};

}  // namespace agenthost::runtime
