#pragma once
// The `config:` keys of the `simulated` plugin, parsed and checked.
//
//   init_ms:        how long start() takes at scale 1 (integer >= 0, default 0)
//   scale:          multiplier applied to every duration (number >= 0, default 1.0);
//                   the demo runs the seed's 168 s system at 0.01 so that a start-up takes
//                   seconds, with the same shape
//   stop_ms:        how long stop() takes at scale 1 (integer >= 0, default 0)
//   health:         healthy | degraded | unhealthy | flapping (default healthy)
//   flap_period_ms: with `health: flapping`, the status alternates healthy/unhealthy every
//                   period (integer > 0, default 1000; scaled too)
//   fail_start:     when set, start() throws std::runtime_error with this message

#include <chrono>
#include <optional>
#include <string>

#include <yaml-cpp/yaml.h>

namespace agenthost::plugins {

// hang: health() blocks until stop(), as a wedged agent would (the host must not wait for it).
enum class SimulatedHealth { healthy, degraded, unhealthy, flapping, hang };

struct SimulatedSettings {
  std::chrono::microseconds init_time{0};    // already scaled
  std::chrono::microseconds stop_time{0};    // already scaled
  std::chrono::microseconds flap_period{0};  // already scaled; > 0 when health is flapping
  SimulatedHealth health = SimulatedHealth::healthy;
  std::optional<std::string> fail_start;
};

// Reads an agent's `config:` node (undefined or null: every default). Throws
// std::invalid_argument naming the key and the offending value on any invalid or unknown key,
// so that a typo in a 84-agent config is an error rather than a silently ignored setting.
SimulatedSettings parse_simulated_settings(const YAML::Node& config);

}  // namespace agenthost::plugins
