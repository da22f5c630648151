// throw_in_factory: the constructor throws, so the exported factory throws out of the
// library. The host's plugin shim must catch it, mark the agent `failed`, and still unload
// the library cleanly (no object from it is alive).

#include <stdexcept>

#include <agenthost/agenthost.hpp>

namespace {

class ThrowInFactory final : public agenthost::Agent {
 public:
  ThrowInFactory() { throw std::runtime_error("throw_in_factory: constructor failed on purpose"); }
  void configure(agenthost::AgentContext&) override {}
  void start() override {}
  void stop() override {}
  agenthost::Health health() override { return agenthost::Health::healthy(); }
};

}  // namespace

AGENTHOST_AGENT(ThrowInFactory)
