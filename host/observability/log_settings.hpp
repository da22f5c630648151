#pragma once
// The logging values a user writes: host.log.level, host.log.format and an agent's log_level
// in the config, `agenthost run --log-level/--log-format`, `agentctl log-level`. Their names
// are spelled here once; spdlog's own differ ("warning", "err") and its from_str() turns any
// unknown name into "off" instead of refusing it.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <spdlog/common.h>

namespace agenthost::observability {

using LogLevel = spdlog::level::level_enum;

// How stderr lines look: text for people, json (one object per line) for log shippers.
enum class LogFormat { text, json };

// The name the host's own logger has in log lines and in `agentctl log-level`.
inline constexpr std::string_view kHostLoggerName = "agenthost";

// "trace", "debug", "info", "warn", "error", "critical", "off": most to least verbose.
const std::vector<std::string>& log_level_names();
std::optional<LogLevel> parse_log_level(std::string_view name);  // exact names only
std::string_view log_level_name(LogLevel level);

// "text", "json".
const std::vector<std::string>& log_format_names();
std::optional<LogFormat> parse_log_format(std::string_view name);

// The outcome of changing one logger's level at run time.
struct LogLevelChange {
  std::optional<LogLevel> previous;  // set when the level was changed
  std::string error;                 // why not, when it was not ("unknown agent 'X' ...")
};

}  // namespace agenthost::observability
