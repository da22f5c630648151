#pragma once
// Agent: the interface every agenthost plugin implements.
//
// Lifecycle, driven by the host only:
//
//   factory → configure(ctx) → start() → [ready] ... health() ... → stop() → destructor
//
// - The host constructs one Agent per configured agent through the factory exported with
//   AGENTHOST_AGENT(Type). The constructor must be cheap and must not start work.
// - configure(ctx) is called once, before start(). Read your config, keep `ctx`, check your
//   settings. Throw (any std::exception) to refuse the configuration: the agent becomes
//   `failed` with your message and agents that depend on it are `blocked`.
// - start() brings the agent up. When it returns, the agent is `ready` and agents that depend
//   on it may start. It runs on one of the host's start threads, never the host's control
//   thread, and may block for as long as initialisation takes (loading a model, say) — but
//   no longer than the start timeout (host.startup.timeout, or the agent's start_timeout),
//   after which the agent is `failed`. Throwing marks the agent `failed`.
// - health() may be called from a host health thread at any time after start() returned,
//   concurrently with your own work, but never concurrently with itself, and not after
//   stop() has begun (the host waits up to one health timeout for a running call before it
//   calls stop(); a call that hangs longer it cannot interrupt). It must be cheap and must
//   not block: the host calls it with a deadline (host.health.timeout) and treats a call
//   that does not return in time, or throws, as `unhealthy`.
// - stop() is called once, if start() returned, on a host thread; stop your work and return.
//   After stop() returns, no code of yours may run: join your threads, cancel your timers.
//   Exceptions from stop() are logged and otherwise ignored.
// - configure(), start() and stop() are never called concurrently with one another for the
//   same agent. Different agents run concurrently.

#include <string>
#include <string_view>

#include "agenthost/agent_context.hpp"
#include "agenthost/health.hpp"

namespace agenthost {

class Agent {
 public:
  virtual ~Agent() = default;

  virtual void configure(AgentContext& ctx) = 0;
  virtual void start() = 0;
  virtual void stop() = 0;
  virtual Health health() = 0;

  // --- API 1.4: hot reload (declared last: the slots above keep their places) ---
  //
  // When the plugin file changes, the host builds a new instance from the new file and
  // configures it, holds this agent's incoming requests, waits for running handlers, then
  // calls snapshot() on the old instance, stop() on it, restore() on the new one with what
  // snapshot() returned, and start() on the new one; held requests go to the new instance.
  // If restore() or start() throws or start() overruns the start timeout, the host builds a
  // fresh instance from the old file the same way (restore() gets the same state) and keeps
  // serving with it.
  //
  // snapshot(): called on a host thread while no handler of this agent runs, after start()
  // and before stop(). Any bytes (JSON, a serialised struct); the default hands over nothing.
  virtual std::string snapshot() { return {}; }
  // restore(): called after configure() and before start(), only on a reload (never at the
  // first start). `state` is what the old instance's snapshot() returned; empty when it had
  // nothing to hand over (or was built for an API before 1.4). Throw to refuse the reload.
  virtual void restore(std::string_view state) { (void)state; }
};

}  // namespace agenthost
