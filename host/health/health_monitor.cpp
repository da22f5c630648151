#include "health/health_monitor.hpp"

#include "supervision/crash_marker.hpp"

#include <optional>
#include <utility>
#include <vector>

#include <fmt/format.h>

namespace agenthost::health {

HealthMonitor::HealthMonitor(std::chrono::milliseconds interval, std::chrono::milliseconds timeout,
                             Report report, Threw threw)
    : interval_(interval),
      timeout_(timeout),
      report_(std::move(report)),
      threw_(std::move(threw)) {}

HealthMonitor::~HealthMonitor() { stop(); }

void HealthMonitor::start() {
  std::lock_guard lock(mu_);
  if (stopping_ || poller_.joinable()) return;
  pool_.emplace("health", 4);
  poller_ = std::thread([this] { loop(); });  // it waits for mu_ until this returns
}

void HealthMonitor::watch(AgentId id, std::shared_ptr<runtime::AgentInstance> instance) {
  start();
  // The first check is due soon, on a 20 ms grid: agents that become ready together (a whole
  // start-up wave) are checked in one wake of the poller rather than one wake each.
  constexpr auto kGrid = std::chrono::milliseconds(20);
  const auto now = Clock::now();
  const auto due = now + kGrid - (now.time_since_epoch() % kGrid);
  bool wake_poller = false;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    watched_[id] = Watched{std::move(instance), due, nullptr, {}};
    wake_poller = due < next_wake_;
  }
  if (wake_poller) cv_.notify_all();
}

void HealthMonitor::unwatch(AgentId id) {
  std::unique_lock lock(mu_);
  auto it = watched_.find(id);
  if (it == watched_.end()) return;
  auto race = it->second.in_flight;
  auto deadline = it->second.deadline;
  watched_.erase(it);
  if (!race) return;
  // Wait for the running call: stop() must not run concurrently with health().
  cv_.wait_until(lock, deadline, [&] { return race->finished(); });
}

std::size_t HealthMonitor::stop() {
  std::map<AgentId, Watched> released;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return threads_left_;
    stopping_ = true;
    // Nothing is polled again: give up our references to the agents now. Otherwise the
    // last reference to every agent would be ours, and its destructor (agent code) and
    // its library's unloading would run in ~HealthMonitor, on the control thread, instead
    // of in the runtime's stop task. A call in flight holds its own reference.
    released.swap(watched_);
  }
  cv_.notify_all();
  if (poller_.joinable()) poller_.join();
  threads_left_ = pool_ ? pool_->shutdown(timeout_) : 0;
  return threads_left_;
}

void HealthMonitor::launch_locked(AgentId id, Watched& w, Clock::time_point now) {
  auto race = std::make_shared<runtime::TaskRace>();
  w.in_flight = race;
  w.deadline = now + timeout_;
  pool_->submit([this, id, race, instance = w.instance] {
    Health result;
    std::optional<std::string> threw;
    try {
      supervision::AgentCodeScope in_agent(instance->name());
      result = instance->agent->health();
    } catch (const std::exception& e) {
      threw = e.what();
    } catch (...) {
      threw = "an exception that is not a std::exception";
    }
    if (threw) result = Health::unhealthy(fmt::format("health() threw: {}", *threw));
    const bool in_time = race->try_finish();
    if (in_time && threw && threw_) threw_(id, *threw);
    if (in_time) report_(id, result);
    else pool_->stuck_task_returned();
    std::lock_guard lock(mu_);
    auto it = watched_.find(id);
    if (it != watched_.end() && it->second.in_flight == race) it->second.in_flight = nullptr;
    cv_.notify_all();
  });
}

void HealthMonitor::loop() {
  std::unique_lock lock(mu_);
  std::vector<std::pair<AgentId, Health>> overdue;
  while (!stopping_) {
    const auto now = Clock::now();
    auto wake = now + interval_;
    for (auto& [id, w] : watched_) {
      if (w.in_flight) {
        if (now >= w.deadline && w.in_flight->try_abandon()) {
          // The call stays in flight (it still runs): no new call until it returns.
          pool_->compensate_for_stuck_task();
          overdue.emplace_back(id, Health::unhealthy(fmt::format(
                                       "health() did not return within {} ms", timeout_.count())));
        }
        if (!w.in_flight->abandoned()) wake = std::min(wake, w.deadline);
        continue;
      }
      if (now >= w.next_due) {
        launch_locked(id, w, now);
        w.next_due = now + interval_;
        wake = std::min(wake, w.deadline);
      }
      wake = std::min(wake, w.next_due);
    }
    if (!overdue.empty()) {
      // Never report under mu_: the report takes the runtime's lock, and the runtime calls
      // watch() under its own.
      lock.unlock();
      for (auto& [id, health] : overdue) report_(id, health);
      overdue.clear();
      lock.lock();
      continue;
    }
    next_wake_ = wake;
    cv_.wait_until(lock, wake);
  }
}

}  // namespace agenthost::health
