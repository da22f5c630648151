#include "errors/error_event.hpp"

#include <stdexcept>

#include <fmt/format.h>

#include "observability/utc_time.hpp"

namespace agenthost::errors {

std::optional<Severity> parse_severity(std::string_view text) noexcept {
  for (auto s : {Severity::info, Severity::warning, Severity::error, Severity::critical}) {
    if (to_string(s) == text) return s;
  }
  return std::nullopt;
}

nlohmann::json to_json(const ErrorEvent& event) {
  return {{"seq", event.seq},         {"time_ms", event.time_ms},
          {"time", observability::format_utc_time_ms(event.time_ms)},
          {"machine", event.machine}, {"agent", event.agent},
          {"method", event.method},   {"severity", std::string(to_string(event.severity))},
          {"message", event.message}, {"fields", event.fields}};
}

ErrorEvent event_from_json(const nlohmann::json& object) {
  ErrorEvent event;
  event.seq = object.at("seq").get<std::uint64_t>();
  event.time_ms = object.at("time_ms").get<std::int64_t>();
  event.machine = object.at("machine").get<std::string>();
  event.agent = object.at("agent").get<std::string>();
  event.method = object.value("method", "");
  const auto severity = object.at("severity").get<std::string>();
  auto parsed = parse_severity(severity);
  if (!parsed) throw std::invalid_argument(fmt::format("unknown severity '{}'", severity));
  event.severity = *parsed;
  event.message = object.at("message").get<std::string>();
  if (auto it = object.find("fields"); it != object.end()) event.fields = it->get<ErrorFields>();
  return event;
}

}  // namespace agenthost::errors
