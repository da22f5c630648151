#pragma once
// The error bus (API 1.3): how an agent reports a problem so that operators see it in one
// place — the host's log, agent_errors_total{agent,severity}, `agentctl errors`, and the
// central host when host.error_bus.forward_to is set.
//
// What is reported without this: an exception from a request handler (with the method), and
// from configure(), start(), stop() and health(). Use report() for problems the agent handles
// itself (a model that fell back to CPU, a sensor that stopped sending).
//
// Threads: any. report() never blocks on the network and never throws: it copies the event
// into the host's bounded buffers (the oldest are dropped, and counted, when they are full).

#include <map>
#include <string>
#include <string_view>

namespace agenthost {

enum class Severity {
  info,      // worth recording, nothing is wrong
  warning,   // the agent copes, but someone should look
  error,     // a request or a task failed
  critical,  // the agent cannot do its job
};

inline std::string_view to_string(Severity severity) noexcept {
  switch (severity) {
    case Severity::info: return "info";
    case Severity::warning: return "warning";
    case Severity::error: return "error";
    case Severity::critical: return "critical";
  }
  return "error";
}

// Machine-readable facts that go with the message ({"model": "llama", "gpu": "0"}).
using ErrorFields = std::map<std::string, std::string>;

class ErrorReporter {
 public:
  virtual ~ErrorReporter() = default;

  // Records one event for this agent. `message` is one line for people.
  virtual void report(Severity severity, std::string_view message, const ErrorFields& fields = {}) noexcept = 0;
};

}  // namespace agenthost
