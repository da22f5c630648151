#pragma once
// HostSnapshot <-> JSON: the payload of the control socket's `status` answer, and what
// agentctl parses back so that its formatters work on the same struct the host has.
//
// Shape (times are milliseconds since host start; a time not reached yet is null):
//   {"host": "edge-01", "version": "0.1.0", "pid": 4242, "uptime_ms": 81234.5,
//    "startup_finished": true, "startup_completed_ms": 4213.0, "log_level": "info",
//    "agents": [{"name", "machine", "plugin", "plugin_file", "state", "reason", "blocked_by",
//                "state_since_ms", "health", "health_detail", "health_checked_ms",
//                "restarts", "dependencies": [...], "expected_start_ms",
//                "timings": {"load_begin_ms", "configure_begin_ms", "start_begin_ms",
//                            "ready_ms"},
//                "log_level"}]}
// "state" uses the names of runtime/agent_state.hpp, "health" those of agenthost/health.hpp,
// "log_level" those of observability/log_settings.hpp (the host's and each agent's logger).

#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "agenthost/health.hpp"
#include "runtime/host_snapshot.hpp"

namespace agenthost::control {

nlohmann::json to_json(const runtime::AgentSnapshot& agent);
nlohmann::json to_json(const runtime::HostSnapshot& snapshot);

// The host fields only (no "agents"): the common part of every snapshot-based answer.
nlohmann::json host_fields_json(const runtime::HostSnapshot& snapshot);

// The inverse of to_json. Missing fields keep their defaults, so the reduced answers of
// `list` and `health` parse too; unknown fields are ignored (protocol rule). Throws
// std::invalid_argument naming the agent and field for a wrong type or an unknown state or
// health name.
runtime::HostSnapshot snapshot_from_json(const nlohmann::json& json);
runtime::AgentSnapshot agent_from_json(const nlohmann::json& json);

std::optional<HealthStatus> health_status_from_string(std::string_view name) noexcept;

}  // namespace agenthost::control
