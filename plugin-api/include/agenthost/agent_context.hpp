#pragma once
// AgentContext: everything the host gives an agent. The host implements it; a plugin only
// ever sees this interface.
//
// Ownership: the host owns the context. It is created before Agent::configure() and
// destroyed after the agent object itself, so an agent may keep a reference to it (and to
// what it returns) in a member for its whole life. Everything an agent gets from the
// context is released by the host when the agent is destroyed.
//
// Threads: every method is safe to call from any thread the host runs agent code on.

#include <string>
#include <string_view>

#include <spdlog/logger.h>
#include <yaml-cpp/yaml.h>
#include <zmq.hpp>

#include "agenthost/dependency_event.hpp"
#include "agenthost/errors.hpp"
#include "agenthost/messaging.hpp"
#include "agenthost/metrics.hpp"
#include "agenthost/sockets.hpp"
#include "agenthost/tasks.hpp"

namespace agenthost {

class AgentContext {
 public:
  virtual ~AgentContext() = default;

  // The agent's unique name from the config ("ModelManagerAgent").
  virtual const std::string& name() const = 0;

  // The machine this instance runs on (the host's name, e.g. "main_pc").
  virtual const std::string& machine() const = 0;

  // The agent's `config:` node from the host config, handed over untouched except that
  // ${VAR} references are already substituted. An undefined node when there is none.
  // Read-only: it is shared with the host's view of the configuration.
  virtual const YAML::Node& config() const = 0;

  // A logger named after the agent. Its sinks live in the host (stderr or the journal, and
  // whatever the operator configured); the agent must not add sinks or register the logger
  // with spdlog's global registry — both would outlive the plugin's code on unload.
  virtual spdlog::logger& logger() const = 0;

  // --- API 1.1: messaging (see messaging.hpp and docs/PROTOCOL.md) ---

  // Serves `method` on this agent's endpoints (inproc://agent/NAME, and tcp when the agent
  // has a port). Call it from configure() or start(): requests that arrive before the agent
  // is ready are held and handled once start() has returned. Serving a method again replaces
  // its handler. Names starting with "agenthost." are reserved (agenthost.health is answered
  // by the host). Throws std::invalid_argument for an empty or reserved name.
  virtual void serve(std::string method, Handler handler) = 0;

  // A client for calling the agent `agent` (in this host or on another machine); the same
  // object for the same name, valid for the agent's whole life.
  virtual Client& client(std::string_view agent) = 0;

  // The host's one ZeroMQ context. Agents never create their own: sockets made from this
  // one share the host's I/O threads. Sockets an agent creates are its own to close, before
  // stop() returns.
  virtual zmq::context_t& zmq_context() = 0;

  // Leased, pooled sockets for PUB/SUB and other patterns (sockets.hpp).
  virtual SocketPool& sockets() = 0;

  // --- API 1.2: observability ---

  // The agent's own Prometheus metrics (metrics.hpp). Requests, handler time, errors, state,
  // health and start-up time are measured by the host without this.
  virtual Metrics& metrics() = 0;

  // --- API 1.3: the error bus ---

  // Reports problems to the host's error bus (errors.hpp), with agent="NAME" set.
  virtual ErrorReporter& errors() = 0;

  // --- API 1.5: supervision ---

  // Hears every restart of the agents this agent depends on (its `dependencies:` in this
  // host), see dependency_event.hpp for when and on which thread. Call it from configure()
  // or start(); a second call replaces the listener. A restart of this agent itself makes a
  // new instance, which registers again.
  virtual void on_dependency_event(DependencyListener listener) = 0;

  // --- API 1.6: timers and executor tasks ---

  // The agent's timers and background tasks (tasks.hpp): run by the host, finished before
  // the agent is destroyed or its code unloaded.
  virtual Tasks& tasks() = 0;
};

}  // namespace agenthost
