#pragma once
// Polls every ready agent's health() in the background, on its own pool, with a deadline per
// call. A call that does not return in time is reported as unhealthy and its thread is
// replaced; that agent is not called again until the hung call returns (health() is never
// called concurrently with itself). Nothing here ever blocks the control thread for longer
// than one health timeout, and a hung agent never delays another agent's poll.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "agenthost/health.hpp"
#include "runtime/agent_instance.hpp"
#include "runtime/task_race.hpp"
#include "runtime/thread_pool.hpp"

namespace agenthost::health {

class HealthMonitor {
 public:
  using Clock = std::chrono::steady_clock;
  using AgentId = std::size_t;
  // Called on a monitor thread with each outcome. Must be quick (it takes the runtime lock).
  using Report = std::function<void(AgentId, const Health&)>;
  // Called on a monitor thread when health() threw (before the unhealthy report). Optional.
  using Threw = std::function<void(AgentId, const std::string& what)>;

  HealthMonitor(std::chrono::milliseconds interval, std::chrono::milliseconds timeout,
                Report report, Threw threw = {});
  ~HealthMonitor();  // stop()

  // Makes the poller and its pool (the first watch() does, if this was not called): a host
  // calls it beside its first agents' starts, so that they do not wait for its two threads.
  void start();

  // Starts polling `id` now and every interval after.
  void watch(AgentId id, std::shared_ptr<runtime::AgentInstance> instance);
  // Stops polling `id`; returns once its running call has returned or passed its deadline.
  void unwatch(AgentId id);
  // Ends polling and drops the monitor's references to the watched instances; waits one
  // health timeout for calls in flight. Returns how many threads are left inside a
  // health() that has not returned.
  std::size_t stop();

 private:
  struct Watched {
    std::shared_ptr<runtime::AgentInstance> instance;
    Clock::time_point next_due;
    std::shared_ptr<runtime::TaskRace> in_flight;  // null when no call is running
    Clock::time_point deadline;
  };

  void loop();
  void launch_locked(AgentId id, Watched& w, Clock::time_point now);

  const std::chrono::milliseconds interval_;
  const std::chrono::milliseconds timeout_;
  const Report report_;
  const Threw threw_;
  std::optional<runtime::ThreadPool> pool_;  // set once, by start()

  std::mutex mu_;
  std::condition_variable cv_;
  std::map<AgentId, Watched> watched_;  // guarded by mu_
  bool stopping_ = false;               // guarded by mu_
  Clock::time_point next_wake_;         // guarded by mu_: when the poller wakes next
  std::size_t threads_left_ = 0;        // set by the first stop()
  std::thread poller_;
};

}  // namespace agenthost::health
