#pragma once
// API 1.6: an agent's timers and executor tasks (AgentContext::tasks()).
//
// Tasks run on the host's agent worker threads (the ones that run request handlers), never on
// the caller's thread, and may run concurrently with the agent's handlers and with each other
// (an `every` task never overlaps itself: a tick that comes while the previous run is still
// going is skipped). A task that throws is reported to the error bus (method "task"); an
// `every` task keeps its schedule after that.
//
// Lifetime, the reason this exists: a plugin must not start threads or timers of its own that
// outlive it. Tasks are the host's: once the agent's stop() has returned, none starts, and the
// host waits for runs still in progress before it destroys the agent and, on a hot reload,
// unloads its code. So a task may capture `this` of the agent.

#include <chrono>
#include <cstdint>
#include <functional>

namespace agenthost {

using TaskId = std::uint64_t;  // never 0

class Tasks {
 public:
  using Task = std::function<void()>;
  virtual ~Tasks() = default;

  // Runs `task` once, `delay` from now.
  virtual TaskId after(std::chrono::milliseconds delay, Task task) = 0;
  // Runs `task` every `period` (the first run one period from now), at a fixed rate.
  // Throws std::invalid_argument for a period below 1 ms.
  virtual TaskId every(std::chrono::milliseconds period, Task task) = 0;
  // Runs `task` once, as soon as a worker is free: the executor for work that must not hold
  // up a request handler.
  virtual TaskId post(Task task) = 0;
  // The task does not run again. A run in progress on another thread is waited for (one
  // called from inside its own run returns at once). False when the id is unknown or the task
  // has finished. Any thread.
  virtual bool cancel(TaskId id) = 0;
};

}  // namespace agenthost
