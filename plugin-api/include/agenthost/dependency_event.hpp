#pragma once
// DependencyEvent: what an agent hears when an agent it depends on is restarted by the host's
// supervision (restart policy, liveness, `agentctl restart`). Since API 1.5.
//
// A dependency's restart does not restart its dependents: its endpoints belong to the host and
// stay bound, and calls made to it meanwhile are held (or, once it has failed, answered "not
// serving"). The events let a dependent drop a cached session, re-subscribe, or stop relying
// on the dependency until it is back.

#include <functional>
#include <string>

namespace agenthost {

struct DependencyEvent {
  enum class Kind {
    restarting,  // the host is about to restart it (after its back-off); calls are held
    restarted,   // it is ready again (a fresh instance)
    failed,      // it gave up: the start limit was hit or a restart failed with restart: never;
                 // calls are answered "not serving" until an operator runs `agentctl restart`.
                 // Also when a forced configuration reload removed it (`agentctl reload --force`).
  };
  Kind kind;
  std::string agent;   // the dependency's name
  std::string reason;  // why, for a log line ("liveness: unhealthy for 3 polls", ...)
};

// Called on a host thread (a start thread), never concurrently with itself for one agent,
// never with a host lock held, and never before the agent's configure() has returned or after
// its stop() has begun. It must return quickly (it delays the restart of the dependency) and
// must not throw (an exception is caught and reported on the error bus).
using DependencyListener = std::function<void(const DependencyEvent&)>;

inline const char* to_string(DependencyEvent::Kind kind) noexcept {
  switch (kind) {
    case DependencyEvent::Kind::restarting: return "restarting";
    case DependencyEvent::Kind::restarted: return "restarted";
    case DependencyEvent::Kind::failed: return "failed";
  }
  return "unknown";
}

}  // namespace agenthost
