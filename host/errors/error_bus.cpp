#include "errors/error_bus.hpp"

#include <chrono>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace agenthost::errors {
namespace {

spdlog::level::level_enum log_level(Severity severity) {
  switch (severity) {
    case Severity::info: return spdlog::level::info;
    case Severity::warning: return spdlog::level::warn;
    case Severity::error: return spdlog::level::err;
    case Severity::critical: return spdlog::level::critical;
  }
  return spdlog::level::err;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string describe_fields(const ErrorFields& fields) {
  std::string text;
  for (const auto& [key, value] : fields) text += fmt::format(" {}={}", key, value);
  return text;
}

}  // namespace

ErrorBus::ErrorBus(std::string machine, std::size_t keep, prometheus::Registry& registry, Hook count)
    : machine_(std::move(machine)),
      count_(std::move(count)),
      events_total_(prometheus::BuildCounter()
                        .Name("agenthost_error_bus_events_total")
                        .Help("Events recorded on this host's error bus, by origin (local, or forwarded "
                              "by another host) and severity")
                        .Register(registry)),
      journal_(keep),
      log_limit_(kLogLinesPerSecond, 2 * kLogLinesPerSecond) {
  for (bool remote : {false, true}) {
    for (auto s : {Severity::info, Severity::warning, Severity::error, Severity::critical}) {
      events_[remote][static_cast<int>(s)] = &events_total_.Add(
          {{"origin", remote ? "remote" : "local"}, {"severity", std::string(to_string(s))}});
    }
  }
}

void ErrorBus::set_forward(Hook forward) { forward_ = std::move(forward); }

void ErrorBus::report(std::string agent, std::string method, Severity severity, std::string message,
                      ErrorFields fields, bool log) noexcept {
  try {
    ErrorEvent event;
    event.time_ms = now_ms();
    event.machine = machine_;
    event.agent = std::move(agent);
    event.method = std::move(method);
    event.severity = severity;
    event.message = std::move(message);
    event.fields = std::move(fields);
    record(std::move(event), log);
  } catch (...) {
    // Out of memory while reporting: nothing sensible is left to do with the event.
  }
}

void ErrorBus::record_remote(std::vector<ErrorEvent> events) noexcept {
  for (auto& event : events) {
    event.remote = true;
    record(std::move(event), true);
  }
}

void ErrorBus::record(ErrorEvent event, bool log_wanted) noexcept {
  try {
    std::uint64_t suppressed = 0;
    bool log_it = false;
    {
      std::lock_guard lock(mu_);
      log_it = log_wanted && log_limit_.allow(LogRateLimit::Clock::now());
      if (log_it) suppressed = log_limit_.take_suppressed();
      event = journal_.add(std::move(event));  // a copy to use outside the lock
    }
    events_[event.remote][static_cast<int>(event.severity)]->Increment();
    if (log_it) log(event, suppressed);
    if (!event.remote) {
      if (count_) count_(event);
      if (forward_) forward_(event);
    }
  } catch (...) {
  }
}

void ErrorBus::log(const ErrorEvent& event, std::uint64_t suppressed_before) const {
  if (suppressed_before > 0) {
    spdlog::warn("error bus: {} events were not logged (more than {} a second); agentctl errors shows them",
                 suppressed_before, kLogLinesPerSecond);
  }
  const std::string where = event.remote ? fmt::format("{}/{}", event.machine, event.agent) : event.agent;
  const std::string method = event.method.empty() ? "" : fmt::format(" in {}", event.method);
  spdlog::log(log_level(event.severity), "error bus: {}{}: {}{}", where, method, event.message,
              describe_fields(event.fields));
}

ErrorQueryResult ErrorBus::query(const ErrorQuery& query) const {
  std::lock_guard lock(mu_);
  return journal_.query(query);
}

void ErrorBus::handler_failed(const std::string& agent, std::string_view method, std::string_view what) noexcept {
  try {
    report(agent, std::string(method), Severity::error, fmt::format("handler threw: {}", what));
  } catch (...) {
  }
}

void AgentErrorReporter::report(Severity severity, std::string_view message, const ErrorFields& fields) noexcept {
  try {
    bus_.report(agent_, "", severity, std::string(message), fields);
  } catch (...) {
  }
}

}  // namespace agenthost::errors
