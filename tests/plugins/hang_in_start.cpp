// hang_in_start: start() blocks for `hang_ms` (default 1 hour) on a condition variable that is
// never notified: an initialisation that never finishes. The host must fail the agent after
// its start timeout (start_timeout / host.startup.timeout), block its dependents, keep the
// other agents starting, and still shut down without waiting for this thread.
//
// A predicate that is never true makes spurious wake-ups harmless: only the deadline ends it.

#include <chrono>
#include <condition_variable>
#include <mutex>

#include <agenthost/agenthost.hpp>

#include "hang_config.hpp"

namespace {

class HangInStart final : public agenthost::Agent {
 public:
  void configure(agenthost::AgentContext& ctx) override {
    hang_time_ = agenthost::test_plugins::read_hang_time(ctx);
  }

  void start() override {
    std::unique_lock lock(mu_);
    never_.wait_until(lock, std::chrono::steady_clock::now() + hang_time_, [] { return false; });
  }

  void stop() override {}
  agenthost::Health health() override { return agenthost::Health::healthy(); }

 private:
  std::chrono::milliseconds hang_time_{0};
  std::mutex mu_;
  std::condition_variable never_;  // nobody ever notifies it, on purpose
};

}  // namespace

AGENTHOST_AGENT(HangInStart)
