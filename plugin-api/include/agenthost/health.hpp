#pragma once
// Health: what an agent says about itself when the host asks.

#include <map>
#include <string>
#include <string_view>

namespace agenthost {

enum class HealthStatus {
  healthy,    // doing its job
  degraded,   // doing its job, but worse (slow, a fallback, a dependency flapping)
  unhealthy,  // not doing its job
};

std::string_view to_string(HealthStatus status) noexcept;

// Returned by Agent::health(). `detail` is one line for people ("model cache 92% full");
// `fields` are machine-readable facts shown by `agentctl health --json` and /health.
struct Health {
  HealthStatus status = HealthStatus::healthy;
  std::string detail;
  std::map<std::string, std::string> fields;

  static Health healthy(std::string detail = {}) { return {HealthStatus::healthy, std::move(detail), {}}; }
  static Health degraded(std::string detail) { return {HealthStatus::degraded, std::move(detail), {}}; }
  static Health unhealthy(std::string detail) { return {HealthStatus::unhealthy, std::move(detail), {}}; }
};

inline std::string_view to_string(HealthStatus status) noexcept {
  switch (status) {
    case HealthStatus::healthy: return "healthy";
    case HealthStatus::degraded: return "degraded";
    case HealthStatus::unhealthy: return "unhealthy";
  }
  return "unknown";
}

}  // namespace agenthost
