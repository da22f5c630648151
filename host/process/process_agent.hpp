#pragma once
// ProcessAgent: a `kind: process` agent. The host's own Agent implementation around a
// program it runs as a child (a Python agent of the seed, say), so that the program takes
// part in the dependency graph, start timeouts, health polls, metrics and the restart
// policy exactly like a plugin.
//
// - start(): spawns the program, then waits until it is ready: its endpoint answers
//   agenthost.health (ready.health) or the ready command exits 0 (ready.command); without
//   either it is ready once it runs. A program that exits first fails the start.
// - health(): unhealthy at once when the program has ended (with its exit status or signal);
//   otherwise the same probe as readiness.
// - Requests the host receives for the agent are forwarded to the program's endpoint.
// - stop(): SIGTERM to the program's process group, SIGKILL after stop_timeout.
// - An unexpected exit is logged and reported on the error bus when it happens, not at the
//   next health poll, and handed to the exit hook (for the restart policy).

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "agenthost/agent.hpp"
#include "config/config_model.hpp"
#include "messaging/agent_endpoint.hpp"
#include "process/ah1_caller.hpp"
#include "process/child_process.hpp"

namespace agenthost::process {

struct ProcessTimings {
  std::chrono::milliseconds start_timeout{30'000};  // readiness gives up after this
  std::chrono::milliseconds health_timeout{200};    // host.health.timeout: probes stay below it
};

class ProcessAgent final : public Agent {
 public:
  using ExitHook = std::function<void(const ExitStatus&)>;

  ProcessAgent(config::ProcessSpec spec, std::shared_ptr<messaging::AgentEndpoint> endpoint,
               ProcessTimings timings);
  ~ProcessAgent() override;

  void configure(AgentContext& ctx) override;
  void start() override;
  void stop() override;
  Health health() override;

  // Called on the child's watcher thread when the program ends while the agent is not being
  // stopped (after the error-bus report). Set it before start().
  void set_exit_hook(ExitHook hook) { exit_hook_ = std::move(hook); }

 private:
  struct Probe {
    bool ok = false;
    Health health;
  };
  Probe probe(std::chrono::milliseconds timeout);
  void wait_until_ready();
  void program_ended(const ExitStatus& status);
  std::string forward(Request& request);
  std::string last_output() const;

  std::string label() const;

  const config::ProcessSpec spec_;
  const LaunchSpec launch_;
  const std::shared_ptr<messaging::AgentEndpoint> endpoint_;
  const ProcessTimings timings_;
  AgentContext* ctx_ = nullptr;
  ExitHook exit_hook_;
  std::unique_ptr<Ah1Caller> caller_;  // when the program has an endpoint
  mutable std::mutex output_mu_;
  std::string last_line_;  // guarded by output_mu_: the program's last line of output, for a failed start
  std::atomic<bool> stopping_{false};
  std::atomic<bool> ready_{false};  // an exit before it is the start's failure, not a crash
  std::atomic<bool> reported_exit_{false};  // once per run: the watcher and start() may both see it
  // Set by start(), dropped by stop(): the host never runs those concurrently with each other
  // or with health().
  std::unique_ptr<ChildProcess> child_;
};

}  // namespace agenthost::process
