#pragma once
// The `log-level` control command: changes one logger's level while the host runs.
//
// Request: {"command": "log-level", "agent": "uplink" | "agenthost", "level": "debug"}
// Answer:  {"ok": true, "agent": "uplink", "level": "debug", "previous": "info",
//           "message": "agent uplink: log level debug (was info)"}
//          {"ok": false, "error": "unknown log level 'verbose' (use trace, debug, ...)"}

#include <functional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "observability/log_settings.hpp"

namespace agenthost::control {

// Sets the level of the logger named `logger` (an agent's name or "agenthost").
using LogLevelSetter =
    std::function<observability::LogLevelChange(std::string_view logger, observability::LogLevel level)>;

// The answer to one log-level request; checks the fields before it calls `set_level`.
nlohmann::json answer_log_level(const nlohmann::json& request, const LogLevelSetter& set_level);

}  // namespace agenthost::control
