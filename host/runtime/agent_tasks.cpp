#include "runtime/agent_tasks.hpp"

#include <stdexcept>

#include "supervision/crash_marker.hpp"

namespace agenthost::runtime {

AgentTasks::AgentTasks(supervision::DelayedTasks& timer, messaging::WorkerPool& workers, ErrorSink on_error,
                       std::string agent)
    : state_(std::make_shared<State>()) {
  state_->agent = std::move(agent);
  state_->timer = &timer;
  state_->workers = &workers;
  state_->on_error = std::move(on_error);
}

AgentTasks::~AgentTasks() { close(); }

TaskId AgentTasks::after(std::chrono::milliseconds delay, Task task) {
  return add(std::max(delay, std::chrono::milliseconds(0)), std::chrono::milliseconds(0), std::move(task), false);
}

TaskId AgentTasks::every(std::chrono::milliseconds period, Task task) {
  if (period < std::chrono::milliseconds(1)) throw std::invalid_argument("Tasks::every: the period must be at least 1 ms");
  return add(period, period, std::move(task), false);
}

TaskId AgentTasks::post(Task task) {
  return add(std::chrono::milliseconds(0), std::chrono::milliseconds(0), std::move(task), true);
}

TaskId AgentTasks::add(std::chrono::milliseconds delay, std::chrono::milliseconds period, Task task, bool now) {
  std::unique_lock lock(state_->mu);
  const TaskId id = ++state_->last_id;
  if (state_->closed || !task) return id;  // never runs: the agent is going away
  const auto due = Clock::now() + delay;
  state_->entries.emplace(id, Entry{std::make_shared<Task>(std::move(task)), period, due, false, {}});
  if (now) {
    lock.unlock();
    if (!state_->workers->post([state = state_, id] { run(state, id); })) {
      lock.lock();
      state_->entries.erase(id);  // the pool is shutting down
    }
  } else {
    state_->timer->schedule(due, [state = state_, id](bool cancelled) {
      if (!cancelled) fire(state, id);
    });
  }
  return id;
}

bool AgentTasks::cancel(TaskId id) {
  std::shared_ptr<Task> released;  // destroyed after the lock
  {
    std::unique_lock lock(state_->mu);
    auto it = state_->entries.find(id);
    if (it == state_->entries.end()) return false;
    if (it->second.running && it->second.runner != std::this_thread::get_id()) {
      state_->cv.wait(lock, [&] {
        auto e = state_->entries.find(id);
        return e == state_->entries.end() || !e->second.running;
      });
      it = state_->entries.find(id);
      if (it == state_->entries.end()) return true;  // it was a one-off run, now finished
    }
    released = std::move(it->second.task);
    state_->entries.erase(it);
  }
  return true;
}

void AgentTasks::close() {
  std::unordered_map<TaskId, Entry> dropped;
  ErrorSink sink;
  {
    std::unique_lock lock(state_->mu);
    state_->closed = true;
    state_->cv.wait(lock, [&] { return state_->running == 0; });
    dropped.swap(state_->entries);
    sink = std::move(state_->on_error);
    state_->on_error = nullptr;
  }
}  // the plugin's functions are destroyed here, on this thread, with nothing running them

std::size_t AgentTasks::scheduled() const {
  std::lock_guard lock(state_->mu);
  return state_->entries.size();
}

void AgentTasks::fire(const std::shared_ptr<State>& state, TaskId id) {
  {
    std::lock_guard lock(state->mu);
    if (state->closed) return;
    auto it = state->entries.find(id);
    if (it == state->entries.end()) return;  // cancelled
    auto& e = it->second;
    if (e.period.count() > 0) {
      // Fixed rate; ticks missed while the host was busy are skipped, not run in a burst.
      const auto now = Clock::now();
      do e.due += e.period;
      while (e.due <= now);
      state->timer->schedule(e.due, [state, id](bool cancelled) {
        if (!cancelled) fire(state, id);
      });
    }
  }
  state->workers->post([state, id] { run(state, id); });
}

void AgentTasks::run(const std::shared_ptr<State>& state, TaskId id) {
  std::shared_ptr<Task> task;
  {
    std::lock_guard lock(state->mu);
    if (state->closed) return;
    auto it = state->entries.find(id);
    if (it == state->entries.end() || it->second.running) return;  // cancelled, or a tick overlapping its run
    it->second.running = true;
    it->second.runner = std::this_thread::get_id();
    task = it->second.task;
    ++state->running;
  }
  std::string error;
  try {
    supervision::AgentCodeScope in_agent(state->agent.c_str());
    (*task)();
  } catch (const std::exception& e) {
    error = e.what();
  } catch (...) {
    error = "an unknown exception";
  }
  {
    std::lock_guard lock(state->mu);
    auto it = state->entries.find(id);
    if (it != state->entries.end()) {
      it->second.running = false;
      if (it->second.period.count() == 0) state->entries.erase(it);  // ran once: done
    }
  }
  // Still counted as running: close() waits for the report and for this copy of the plugin's
  // function to go.
  if (!error.empty() && state->on_error) state->on_error("a task threw: " + error);
  task.reset();
  {
    std::lock_guard lock(state->mu);
    --state->running;
  }
  state->cv.notify_all();
}

}  // namespace agenthost::runtime
