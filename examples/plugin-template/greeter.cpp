// greeter: a first agenthost plugin. Copy this folder, rename greeter, and build it against
// the installed agenthost-dev (README.md here). The headers in /usr/include/agenthost say who
// calls what, on which thread, and what may throw.
//
// Methods:
//   greet   replies "<greeting>, <payload>!" (the greeting comes from the agent's config:)

#include <string>

#include <agenthost/agenthost.hpp>

namespace {

class Greeter final : public agenthost::Agent {
 public:
  // Read the config and register handlers; throw to refuse the config (the host says why).
  void configure(agenthost::AgentContext& ctx) override {
    ctx_ = &ctx;
    greeting_ = ctx.config()["greeting"].as<std::string>("hello");
    ctx.serve("greet", [this](agenthost::Request& r) {
      return greeting_ + ", " + (r.payload.empty() ? std::string("world") : r.payload) + "!";
    });
  }

  // Returning from start() means ready: agents that depend on this one start now.
  void start() override { ctx_->logger().info("greeter ready, greeting '{}'", greeting_); }

  // After stop() returns, no code of this agent may run any more.
  void stop() override { ctx_->logger().info("greeter stopping"); }

  // Called with a deadline on a host thread: cheap, never blocking.
  agenthost::Health health() override { return agenthost::Health::healthy(); }

 private:
  agenthost::AgentContext* ctx_ = nullptr;
  std::string greeting_;
};

}  // namespace

AGENTHOST_AGENT(Greeter)
