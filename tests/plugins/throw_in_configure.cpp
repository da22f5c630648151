// throw_in_configure: configure() refuses its configuration. The host must mark the agent
// `failed` with this message without ever calling start(), and block its dependents.

#include <stdexcept>

#include <agenthost/agenthost.hpp>

namespace {

class ThrowInConfigure final : public agenthost::Agent {
 public:
  void configure(agenthost::AgentContext&) override {
    throw std::invalid_argument("throw_in_configure: configuration refused on purpose");
  }
  // Reaching start() means the host ignored a failed configure(): make that loud.
  void start() override { throw std::logic_error("throw_in_configure: start() must not run"); }
  void stop() override {}
  agenthost::Health health() override { return agenthost::Health::healthy(); }
};

}  // namespace

AGENTHOST_AGENT(ThrowInConfigure)
