#include "control/log_level_command.hpp"

#include <optional>
#include <string>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "config/suggest.hpp"
#include "control/control_protocol.hpp"

namespace agenthost::control {
namespace {

using nlohmann::json;

// The request's string field `key`, or nullopt when it is missing or not a string.
std::optional<std::string> string_field(const json& request, const char* key) {
  auto it = request.find(key);
  if (it == request.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

}  // namespace

json answer_log_level(const json& request, const LogLevelSetter& set_level) {
  const auto logger = string_field(request, "agent");
  if (!logger) return error_answer("log-level needs a string field 'agent' (an agent's name or 'agenthost')");
  const auto level_name = string_field(request, "level");
  if (!level_name) return error_answer("log-level needs a string field 'level'");
  const auto level = observability::parse_log_level(*level_name);
  if (!level)
    return error_answer(fmt::format("unknown log level '{}' (use {})", *level_name,
                                    config::alternatives(observability::log_level_names())));

  const auto change = set_level(*logger, *level);
  if (!change.previous) return error_answer(change.error);
  const std::string who =
      *logger == observability::kHostLoggerName ? *logger : fmt::format("agent {}", *logger);
  const std::string message = fmt::format("{}: log level {} (was {})", who, *level_name,
                                          observability::log_level_name(*change.previous));
  // In the log too, next to the lines the change made appear or disappear.
  spdlog::info("control socket: {}", message);
  return {{"agent", *logger},
          {"level", *level_name},
          {"previous", std::string(observability::log_level_name(*change.previous))},
          {"message", message}};
}

}  // namespace agenthost::control
