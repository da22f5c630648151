// The zero-cost agent of the 1000-agent start-up bench: ready at once, always healthy, no
// config. Each bench agent loads its own copy of this file, so the bench measures what a host
// pays per plugin library and per agent, not what an agent does.

#include <agenthost/agenthost.hpp>

namespace {

class TrivialAgent final : public agenthost::Agent {
 public:
  void configure(agenthost::AgentContext&) override {}
  void start() override {}
  void stop() override {}
  agenthost::Health health() override { return {}; }
};

}  // namespace

AGENTHOST_AGENT(TrivialAgent)
