#include "health/health_monitor.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>

#include <gtest/gtest.h>

namespace agenthost::health {
namespace {

using namespace std::chrono_literals;

// An agent whose health() can be made to block until released.
class ProbeAgent : public Agent {
 public:
  void configure(AgentContext&) override {}
  void start() override {}
  void stop() override {}
  Health health() override {
    const int now_running = ++running_;
    max_running_ = std::max(max_running_.load(), now_running);
    ++calls_;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return !hang_; });
    }
    --running_;
    return Health::degraded("probe");
  }
  void set_hang(bool hang) {
    {
      std::lock_guard lock(mu_);
      hang_ = hang;
    }
    cv_.notify_all();
  }
  std::atomic<int> calls_{0};
  std::atomic<int> running_{0};
  std::atomic<int> max_running_{0};

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool hang_ = false;
};

std::shared_ptr<runtime::AgentInstance> instance_of(ProbeAgent*& probe) {
  auto instance = std::make_shared<runtime::AgentInstance>();
  auto agent = std::make_unique<ProbeAgent>();
  probe = agent.get();
  instance->agent = std::move(agent);
  return instance;
}

// Collects reports; waits for conditions with a deadline.
struct Reports {
  std::mutex mu;
  std::condition_variable cv;
  std::map<std::size_t, std::vector<Health>> by_agent;

  void add(std::size_t id, const Health& h) {
    std::lock_guard lock(mu);
    by_agent[id].push_back(h);
    cv.notify_all();
  }
  bool wait_for(std::size_t id, HealthStatus status, const std::string& detail_part,
                std::chrono::milliseconds timeout = 5s) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, timeout, [&] {
      for (auto& h : by_agent[id])
        if (h.status == status && h.detail.find(detail_part) != std::string::npos) return true;
      return false;
    });
  }
  std::size_t count(std::size_t id) {
    std::lock_guard lock(mu);
    return by_agent[id].size();
  }
};

TEST(HealthMonitor, StartedBeforeTheFirstWatchItPollsAndUnstartedItStopsAtOnce) {
  {
    HealthMonitor never_started(20ms, 200ms, [](auto, auto&) {});
    EXPECT_EQ(never_started.stop(), 0u);
  }
  Reports reports;
  HealthMonitor monitor(20ms, 200ms, [&](auto id, auto& h) { reports.add(id, h); });
  monitor.start();
  monitor.start();  // a second start() changes nothing
  ProbeAgent* probe = nullptr;
  monitor.watch(1, instance_of(probe));
  ASSERT_TRUE(reports.wait_for(1, HealthStatus::degraded, "probe"));
  EXPECT_EQ(monitor.stop(), 0u);
}

TEST(HealthMonitor, PollsEveryWatchedAgentRepeatedly) {
  Reports reports;
  HealthMonitor monitor(20ms, 200ms, [&](auto id, auto& h) { reports.add(id, h); });
  ProbeAgent* probe = nullptr;
  monitor.watch(1, instance_of(probe));
  ASSERT_TRUE(reports.wait_for(1, HealthStatus::degraded, "probe"));
  std::unique_lock lock(reports.mu);
  EXPECT_TRUE(reports.cv.wait_for(lock, 5s, [&] { return reports.by_agent[1].size() >= 3; }));
}

TEST(HealthMonitor, AHungCallIsReportedUnhealthyAndNeverOverlapsAndOthersKeepBeingPolled) {
  Reports reports;
  HealthMonitor monitor(20ms, 100ms, [&](auto id, auto& h) { reports.add(id, h); });
  ProbeAgent* hung = nullptr;
  ProbeAgent* fine = nullptr;
  auto hung_instance = instance_of(hung);
  hung->set_hang(true);
  monitor.watch(1, hung_instance);
  monitor.watch(2, instance_of(fine));
  ASSERT_TRUE(reports.wait_for(1, HealthStatus::unhealthy, "did not return within 100 ms"));
  const auto fine_before = reports.count(2);
  std::unique_lock lock(reports.mu);
  EXPECT_TRUE(reports.cv.wait_for(lock, 5s, [&] { return reports.by_agent[2].size() >= fine_before + 3; }))
      << "a hung agent must not delay another agent's polls";
  lock.unlock();
  EXPECT_EQ(hung->calls_.load(), 1) << "no second call while the first one hangs";
  hung->set_hang(false);
  ASSERT_TRUE(reports.wait_for(1, HealthStatus::degraded, "probe"))
      << "polling resumes once the hung call returns";
  EXPECT_EQ(hung->max_running_.load(), 1);
  monitor.stop();
}

TEST(HealthMonitor, StopDropsItsReferencesToTheAgents) {
  // The runtime's stop task must hold the last reference to an agent, so that the agent is
  // destroyed there, on a pool thread, and not in ~HealthMonitor on the control thread.
  Reports reports;
  HealthMonitor monitor(10ms, 2s, [&](auto id, auto& h) { reports.add(id, h); });
  ProbeAgent* probe = nullptr;
  auto instance = instance_of(probe);
  monitor.watch(1, instance);
  ASSERT_TRUE(reports.wait_for(1, HealthStatus::degraded, "probe"));
  EXPECT_EQ(monitor.stop(), 0u);
  EXPECT_EQ(instance.use_count(), 1);
}

TEST(HealthMonitor, UnwatchWaitsForTheCallInFlight) {
  Reports reports;
  HealthMonitor monitor(10ms, 2s, [&](auto id, auto& h) { reports.add(id, h); });
  ProbeAgent* probe = nullptr;
  auto instance = instance_of(probe);
  probe->set_hang(true);
  monitor.watch(1, instance);
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (probe->running_.load() == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::yield();
  ASSERT_EQ(probe->running_.load(), 1);
  std::thread releaser([&] {
    std::this_thread::sleep_for(100ms);  // the call is in flight for a while...
    probe->set_hang(false);
  });
  monitor.unwatch(1);  // ...and unwatch returns only after it finished
  EXPECT_EQ(probe->running_.load(), 0);
  releaser.join();
}

}  // namespace
}  // namespace agenthost::health
