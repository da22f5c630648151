// simulated: stands in for one agent of the seed system (84 Python agents on two machines).
// start() takes as long as the real agent's initialisation did (init_ms x scale), stop() takes
// stop_ms x scale, and health() reports a configured status, so that the host's scheduler,
// shutdown and health polling can be measured and tested on the real system's shape without
// its models. Keys: see simulated_settings.hpp.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <agenthost/agenthost.hpp>

#include "simulated_settings.hpp"

namespace agenthost::plugins {
namespace {

using Clock = std::chrono::steady_clock;

// A timed sleep wakes late: 50-140 us at the median on the VMs this is built on (timer slack
// and the virtual CPU's wake-up), and along the demo's 7-agent critical chain that added ~0.5 ms
// the host had no part in. So the agent sleeps until shortly before its deadline and spins
// from there (a yield could hand the CPU to another thread for a whole time slice): start()
// then lasts init_ms x scale to within a few microseconds, and bench/startup measures the
// host against a lower bound the agents really keep.
constexpr std::chrono::microseconds kSpinWindow{200};

// On the steady clock: a wall-clock change during start-up must not stretch or shorten a
// simulated initialisation.
void sleep_for_steady(std::chrono::microseconds duration) {
  if (duration.count() <= 0) return;
  const auto deadline = Clock::now() + duration;
  const auto wake = deadline - kSpinWindow;
  while (Clock::now() < wake) std::this_thread::sleep_until(wake);
  while (Clock::now() < deadline) {
    // spin: the clock read is the work
  }
}

class SimulatedAgent final : public Agent {
 public:
  void configure(AgentContext& ctx) override {
    ctx_ = &ctx;
    settings_ = parse_simulated_settings(ctx.config());
  }

  void start() override {
    sleep_for_steady(settings_.init_time);
    if (settings_.fail_start) throw std::runtime_error(*settings_.fail_start);
    started_at_.store(Clock::now().time_since_epoch().count(), std::memory_order_release);
    ctx_->logger().debug("simulated start took {} us",
                         std::chrono::duration_cast<std::chrono::microseconds>(
                             settings_.init_time).count());
  }

  void stop() override {
    {
      std::lock_guard lock(hang_mu_);
      stopping_ = true;
    }
    hang_cv_.notify_all();
    sleep_for_steady(settings_.stop_time);
    ctx_->logger().debug("simulated stop took {} us", settings_.stop_time.count());
  }

  // No lock and no allocation beyond the detail string (but for `hang`): the host polls every
  // agent with a deadline, and flapping is derived from the clock rather than a timer thread.
  Health health() override {
    switch (settings_.health) {
      case SimulatedHealth::healthy: return Health::healthy();
      case SimulatedHealth::degraded: return Health::degraded("simulated: degraded");
      case SimulatedHealth::unhealthy: return Health::unhealthy("simulated: unhealthy");
      case SimulatedHealth::flapping: break;
      case SimulatedHealth::hang: {
        std::unique_lock lock(hang_mu_);
        hang_cv_.wait(lock, [&] { return stopping_; });
        return Health::unhealthy("simulated: stopped while hanging in health()");
      }
    }
    const Clock::duration since_start{Clock::now().time_since_epoch().count() -
                                      started_at_.load(std::memory_order_acquire)};
    const auto periods = since_start / settings_.flap_period;
    return periods % 2 == 0 ? Health::healthy("simulated: flapping (up)")
                            : Health::unhealthy("simulated: flapping (down)");
  }

 private:
  AgentContext* ctx_ = nullptr;  // owned by the host, outlives this object
  SimulatedSettings settings_;   // written in configure(), read-only afterwards
  // Written by start(), read by health() on another thread.
  std::atomic<Clock::rep> started_at_{0};
  // health: hang waits here until stop().
  std::mutex hang_mu_;
  std::condition_variable hang_cv_;
  bool stopping_ = false;  // guarded by hang_mu_
};

}  // namespace
}  // namespace agenthost::plugins

AGENTHOST_AGENT(agenthost::plugins::SimulatedAgent)
