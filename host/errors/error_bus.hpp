#pragma once
// The error bus of one host: every problem an agent or the host reports, and every handler
// or lifecycle exception, becomes an ErrorEvent that is
//   - logged (at most kLogLinesPerSecond lines a second; the rest are counted and summed up),
//   - counted: agent_errors_total{agent,severity} through the `count` hook, and
//     agenthost_error_bus_events_total{origin,severity},
//   - kept in a journal of the last host.error_bus.keep events (`agentctl errors`),
//   - handed to the forwarder when host.error_bus.forward_to is set (local events only).
// Events forwarded by other hosts (record_remote) are logged, counted and kept the same way,
// with their machine, but not forwarded again.
//
// Threads: every method may be called from any thread; the bus takes its own lock briefly
// and never calls into agent code. The hooks are set before agents start and run outside
// the lock, on the reporting thread.

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/registry.h>

#include "errors/error_event.hpp"
#include "errors/error_journal.hpp"
#include "errors/log_rate_limit.hpp"
#include "messaging/handler_error_sink.hpp"

namespace agenthost::errors {

class ErrorBus final : public messaging::HandlerErrorSink {
 public:
  using Hook = std::function<void(const ErrorEvent&)>;
  static constexpr double kLogLinesPerSecond = 50;

  ErrorBus(std::string machine, std::size_t keep, prometheus::Registry& registry, Hook count);

  // A local event; time and machine are filled in. Never throws. `log` false: the caller
  // has logged it already (an agent's failed start is in its state-change line).
  void report(std::string agent, std::string method, Severity severity, std::string message,
              ErrorFields fields = {}, bool log = true) noexcept;
  // Events another host forwarded (machine and time are theirs).
  void record_remote(std::vector<ErrorEvent> events) noexcept;

  ErrorQueryResult query(const ErrorQuery& query) const;

  // Every local event goes to `forward` after it is recorded. Set before agents start.
  void set_forward(Hook forward);

  // messaging::HandlerErrorSink: a request handler threw.
  void handler_failed(const std::string& agent, std::string_view method, std::string_view what) noexcept override;

  const std::string& machine() const noexcept { return machine_; }

 private:
  void record(ErrorEvent event, bool log) noexcept;
  void log(const ErrorEvent& event, std::uint64_t suppressed_before) const;

  const std::string machine_;
  const Hook count_;
  Hook forward_;
  prometheus::Family<prometheus::Counter>& events_total_;
  prometheus::Counter* events_[2][4];  // [remote][severity], made in the constructor

  mutable std::mutex mu_;
  ErrorJournal journal_;        // guarded by mu_
  LogRateLimit log_limit_;      // guarded by mu_
};

// The ErrorReporter an agent gets from ctx.errors(): the bus with agent=NAME preset.
class AgentErrorReporter final : public ErrorReporter {
 public:
  AgentErrorReporter(ErrorBus& bus, std::string agent) : bus_(bus), agent_(std::move(agent)) {}
  void report(Severity severity, std::string_view message, const ErrorFields& fields) noexcept override;

 private:
  ErrorBus& bus_;
  const std::string agent_;
};

}  // namespace agenthost::errors
