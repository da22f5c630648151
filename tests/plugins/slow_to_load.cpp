// slow_to_load: its static initialiser takes 600 ms, as a plugin that reads a model or a large
// table when it is loaded would. The host loads plugin files before the first start, so this
// holds start-up at its very beginning: the tests use it to look at what the host has set up
// by then (its control socket is bound, and answers once it is served).

#include <chrono>
#include <thread>

#include <agenthost/agenthost.hpp>

namespace {

const bool loaded_slowly = [] {
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  return true;
}();

class SlowToLoad final : public agenthost::Agent {
 public:
  void configure(agenthost::AgentContext&) override {}
  void start() override {}
  void stop() override {}
  agenthost::Health health() override {
    return loaded_slowly ? agenthost::Health::healthy() : agenthost::Health::unhealthy("not initialised");
  }
};

}  // namespace

AGENTHOST_AGENT(SlowToLoad)
