#include "simulated_settings.hpp"

#include <array>
#include <cmath>
#include <stdexcept>
#include <string_view>

#include <fmt/core.h>

namespace agenthost::plugins {
namespace {

constexpr std::array<std::string_view, 6> kKnownKeys = {"init_ms", "scale", "stop_ms",
                                                        "health", "flap_period_ms", "fail_start"};

std::string scalar_text(const YAML::Node& node) {
  return node.IsScalar() ? node.Scalar() : std::string("<not a scalar>");
}

// yaml-cpp converts with its own exceptions; the host wants one clear message per key.
template <typename T>
T read_as(const YAML::Node& config, const char* key, const char* expected) {
  const YAML::Node node = config[key];
  try {
    if (!node.IsScalar()) throw YAML::Exception(YAML::Mark::null_mark(), "not a scalar");
    return node.as<T>();
  } catch (const YAML::Exception&) {
    throw std::invalid_argument(
        fmt::format("simulated: '{}' must be {}, got '{}'", key, expected, scalar_text(node)));
  }
}

// Durations are given in milliseconds at scale 1; `scale` shrinks or stretches all of them.
std::chrono::microseconds read_duration(const YAML::Node& config, const char* key,
                                        double scale, long long fallback_ms, bool allow_zero) {
  long long ms = fallback_ms;
  if (config[key]) {
    const char* expected = allow_zero ? "an integer >= 0 (milliseconds)"
                                      : "an integer > 0 (milliseconds)";
    ms = read_as<long long>(config, key, expected);
    if (ms < 0 || (!allow_zero && ms == 0)) {
      throw std::invalid_argument(
          fmt::format("simulated: '{}' must be {}, got {}", key, expected, ms));
    }
  }
  return std::chrono::microseconds(std::llround(static_cast<double>(ms) * 1000.0 * scale));
}

SimulatedHealth read_health(const YAML::Node& config) {
  if (!config["health"]) return SimulatedHealth::healthy;
  const auto text = read_as<std::string>(config, "health", "a string");
  if (text == "healthy") return SimulatedHealth::healthy;
  if (text == "degraded") return SimulatedHealth::degraded;
  if (text == "unhealthy") return SimulatedHealth::unhealthy;
  if (text == "flapping") return SimulatedHealth::flapping;
  if (text == "hang") return SimulatedHealth::hang;
  throw std::invalid_argument(fmt::format(
      "simulated: 'health' must be one of healthy, degraded, unhealthy, flapping, hang; got '{}'",
      text));
}

void reject_unknown_keys(const YAML::Node& config) {
  for (const auto& entry : config) {
    const auto key = entry.first.as<std::string>();
    bool known = false;
    for (const auto candidate : kKnownKeys) known = known || key == candidate;
    if (!known) {
      throw std::invalid_argument(fmt::format(
          "simulated: unknown key '{}' (known: init_ms, scale, stop_ms, health, "
          "flap_period_ms, fail_start)",
          key));
    }
  }
}

}  // namespace

SimulatedSettings parse_simulated_settings(const YAML::Node& config) {
  SimulatedSettings settings;
  if (!config.IsDefined() || config.IsNull()) return settings;
  if (!config.IsMap()) {
    throw std::invalid_argument("simulated: 'config' must be a mapping of settings");
  }
  reject_unknown_keys(config);

  double scale = 1.0;
  if (config["scale"]) {
    scale = read_as<double>(config, "scale", "a number >= 0");
    if (!std::isfinite(scale) || scale < 0) {
      throw std::invalid_argument(
          fmt::format("simulated: 'scale' must be a number >= 0, got {}", scale));
    }
  }
  settings.init_time = read_duration(config, "init_ms", scale, 0, true);
  settings.stop_time = read_duration(config, "stop_ms", scale, 0, true);
  settings.health = read_health(config);
  settings.flap_period = read_duration(config, "flap_period_ms", scale, 1000, false);
  // A tiny scale must not turn the period into zero (division by zero in health()).
  if (settings.flap_period.count() <= 0) settings.flap_period = std::chrono::microseconds(1);

  if (config["fail_start"]) {
    settings.fail_start = read_as<std::string>(config, "fail_start", "a string (the message)");
  }
  return settings;
}

}  // namespace agenthost::plugins
