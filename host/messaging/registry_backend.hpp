#pragma once
// What every registry backend is to the host: something that starts, publishes this host's
// entries of the Registry somewhere, adds the other hosts' entries to it, and stops. Which
// one runs is host.registry.backend; nothing else depends on it.
//
// Threads: start() and stop() from the host's control thread; a backend's own threads call
// into the Registry only.

#include <optional>
#include <string>

namespace agenthost::messaging {

class RegistryBackend {
 public:
  virtual ~RegistryBackend() = default;
  // An error message when the backend cannot run at all (an address that cannot be bound).
  // A store that is merely unreachable now is not an error: the backend retries.
  virtual std::optional<std::string> start() = 0;
  // Joins the backend's threads; this host's entries are withdrawn where others see them.
  virtual void stop() = 0;
};

}  // namespace agenthost::messaging
