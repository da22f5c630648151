// echo: the smallest useful agent. It is ready as soon as start() is called and always
// healthy, which makes it the reference plugin for examples and smoke tests.
//
// Request handling (echoing a request back to its caller) arrives with the messaging work,
// through ctx.serve(); until then the agent only logs its lifecycle.

#include <agenthost/agenthost.hpp>

namespace {

class EchoAgent final : public agenthost::Agent {
 public:
  void configure(agenthost::AgentContext& ctx) override { ctx_ = &ctx; }

  void start() override { ctx_->logger().info("echo agent ready on {}", ctx_->machine()); }

  void stop() override { ctx_->logger().info("echo agent stopping"); }

  agenthost::Health health() override { return agenthost::Health::healthy(); }

 private:
  // Owned by the host and guaranteed to outlive this object (see agent_context.hpp).
  agenthost::AgentContext* ctx_ = nullptr;
};

}  // namespace

AGENTHOST_AGENT(EchoAgent)
