// throw_in_health: starts fine, but every health() call throws. The host's health poller must
// report the agent `unhealthy` with the exception's message and keep polling everyone else.

#include <stdexcept>

#include <agenthost/agenthost.hpp>

namespace {

class ThrowInHealth final : public agenthost::Agent {
 public:
  void configure(agenthost::AgentContext&) override {}
  void start() override {}
  void stop() override {}
  agenthost::Health health() override {
    throw std::runtime_error("throw_in_health: health() failed on purpose");
  }
};

}  // namespace

AGENTHOST_AGENT(ThrowInHealth)
