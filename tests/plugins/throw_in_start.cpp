// throw_in_start: configure() succeeds, start() throws. The host must mark the agent `failed`
// with this message, mark its dependents `blocked`, and keep starting everything else.

#include <stdexcept>

#include <agenthost/agenthost.hpp>

namespace {

class ThrowInStart final : public agenthost::Agent {
 public:
  void configure(agenthost::AgentContext&) override {}
  void start() override { throw std::runtime_error("throw_in_start: start() failed on purpose"); }
  void stop() override {}
  agenthost::Health health() override { return agenthost::Health::healthy(); }
};

}  // namespace

AGENTHOST_AGENT(ThrowInStart)
