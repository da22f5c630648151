// hang_in_health: ready at once, but every health() call blocks for `hang_ms` (default 1 hour).
// The host must treat a call past host.health.timeout as `unhealthy`, without stalling the
// polls of other agents or its control thread.
//
// stop() releases a hung call: the contract says no agent code may run after stop() returns,
// and this plugin only tests the health deadline, not unloading under a running call.

#include <chrono>
#include <condition_variable>
#include <mutex>

#include <agenthost/agenthost.hpp>

#include "hang_config.hpp"

namespace {

class HangInHealth final : public agenthost::Agent {
 public:
  void configure(agenthost::AgentContext& ctx) override {
    hang_time_ = agenthost::test_plugins::read_hang_time(ctx);
  }

  void start() override {}

  void stop() override {
    std::unique_lock lock(mu_);
    stopping_ = true;
    wake_.notify_all();
    no_callers_.wait(lock, [this] { return callers_ == 0; });
  }

  agenthost::Health health() override {
    std::unique_lock lock(mu_);
    ++callers_;
    wake_.wait_until(lock, std::chrono::steady_clock::now() + hang_time_,
                     [this] { return stopping_; });
    --callers_;
    no_callers_.notify_all();
    return agenthost::Health::healthy("hang_in_health: answered late");
  }

 private:
  std::chrono::milliseconds hang_time_{0};
  std::mutex mu_;
  std::condition_variable wake_;
  std::condition_variable no_callers_;
  bool stopping_ = false;  // guarded by mu_
  int callers_ = 0;        // guarded by mu_
};

}  // namespace

AGENTHOST_AGENT(HangInHealth)
