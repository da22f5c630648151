// flaky: the supervision tests' plugin. An agent that turns unhealthy on request and whose
// restarts can be made to fail, and that records what it hears about its dependencies.
// Config: `fail_restarts: N` — after its first start, the next N starts throw;
// `fail_while: PATH` — start() throws while PATH exists (an agent that fails at start-up until
// the test says otherwise; a count in the library would be lost when it is unloaded).
// Methods: `sick` (health answers unhealthy from now on), `starts` (how many times this agent
// has started, in this host), `events` (the dependency events it heard, "kind agent;" each).

#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>

#include <agenthost/agenthost.hpp>

namespace {

// Per agent name, across instances: a restart makes a new instance of the same library.
std::mutex g_mu;
std::map<std::string, int> g_starts;  // guarded by g_mu

class Flaky final : public agenthost::Agent {
 public:
  void configure(agenthost::AgentContext& ctx) override {
    name_ = ctx.name();
    if (auto n = ctx.config()["fail_restarts"]) fail_restarts_ = n.as<int>();
    if (auto p = ctx.config()["fail_while"]) fail_while_ = p.as<std::string>();
    ctx.serve("sick", [this](agenthost::Request&) {
      sick_ = true;
      return std::string("ok");
    });
    ctx.serve("starts", [this](agenthost::Request&) {
      std::lock_guard lock(g_mu);
      return std::to_string(g_starts[name_]);
    });
    ctx.serve("events", [this](agenthost::Request&) {
      std::lock_guard lock(mu_);
      return events_;
    });
    ctx.on_dependency_event([this](const agenthost::DependencyEvent& e) {
      std::lock_guard lock(mu_);
      events_ += std::string(agenthost::to_string(e.kind)) + " " + e.agent + ";";
    });
  }
  void start() override {
    std::lock_guard lock(g_mu);
    const int attempt = ++g_starts[name_];
    if (!fail_while_.empty() && std::filesystem::exists(fail_while_))
      throw std::runtime_error("flaky: " + fail_while_ + " exists");
    if (attempt > 1 && attempt <= 1 + fail_restarts_)
      throw std::runtime_error("flaky: start " + std::to_string(attempt) + " refuses");
  }
  void stop() override {}
  agenthost::Health health() override {
    return sick_ ? agenthost::Health::unhealthy("flaky: told to be sick") : agenthost::Health::healthy();
  }

 private:
  std::string name_;
  int fail_restarts_ = 0;
  std::string fail_while_;
  std::atomic<bool> sick_{false};
  std::mutex mu_;
  std::string events_;  // guarded by mu_
};

}  // namespace

AGENTHOST_AGENT(Flaky)
