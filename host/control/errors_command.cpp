#include "control/errors_command.hpp"

#include <fmt/format.h>

#include "control/control_protocol.hpp"
#include "control/text_table.hpp"

namespace agenthost::control {
namespace {

Tone tone_of(std::string_view severity) {
  if (severity == "critical" || severity == "error") return Tone::bad;
  if (severity == "warning") return Tone::warning;
  return Tone::plain;
}

std::string message_with_fields(const nlohmann::json& event) {
  std::string text = event.value("message", "");
  const auto fields = event.value("fields", nlohmann::json::object());  // kept: items() refers to it
  for (const auto& [key, value] : fields.items()) {
    text += fmt::format(" {}={}", key, value.is_string() ? value.get<std::string>() : value.dump());
  }
  return text;
}

// A JSON integer >= 0 (a parsed "3" is unsigned, a built 3 signed: both count).
std::optional<std::uint64_t> non_negative(const nlohmann::json& value) {
  if (value.is_number_unsigned()) return value.get<std::uint64_t>();
  if (value.is_number_integer() && value.get<std::int64_t>() >= 0) return value.get<std::uint64_t>();
  return std::nullopt;
}

}  // namespace

nlohmann::json answer_errors(const nlohmann::json& request, const std::string& machine, const ErrorQueryFn& query) {
  errors::ErrorQuery q;
  if (auto it = request.find("after"); it != request.end()) {
    auto after = non_negative(*it);
    if (!after) return error_answer("errors: \"after\" must be a sequence number (>= 0)");
    q.after_seq = *after;
  }
  if (auto it = request.find("agent"); it != request.end()) {
    if (!it->is_string()) return error_answer("errors: \"agent\" must be an agent name");
    q.agent = it->get<std::string>();
  }
  if (auto it = request.find("severity"); it != request.end()) {
    auto severity = it->is_string() ? errors::parse_severity(it->get<std::string>()) : std::nullopt;
    if (!severity) {
      return error_answer(fmt::format("errors: unknown severity {} (use info, warning, error or critical)",
                                      it->dump()));
    }
    q.min_severity = *severity;
  }
  if (auto it = request.find("limit"); it != request.end()) {
    auto limit = non_negative(*it);
    if (!limit || *limit == 0) return error_answer("errors: \"limit\" must be a positive number");
    q.limit = static_cast<std::size_t>(*limit);
  }
  const auto result = query(q);
  nlohmann::json events = nlohmann::json::array();
  for (const auto& event : result.events) {
    auto object = errors::to_json(event);
    object["remote"] = event.remote;
    events.push_back(std::move(object));
  }
  return {{"machine", machine}, {"last_seq", result.last_seq}, {"missed", result.missed}, {"events", std::move(events)}};
}

std::string format_error_events(const nlohmann::json& answer, bool with_header, const FormatOptions& options) {
  const std::string machine = answer.value("machine", "");
  std::string out;
  const auto missed = answer.value("missed", std::uint64_t{0});
  if (missed > 0) {
    out += paint(fmt::format("({} earlier events are no longer kept; host.error_bus.keep sets how many)\n", missed),
                 Tone::dim, options.color);
  }
  TextTable table({"TIME", "SEVERITY", "AGENT", "METHOD", "MESSAGE"});
  const auto& events = answer.at("events");
  for (const auto& event : events) {
    const std::string severity = event.value("severity", "");
    std::string agent = event.value("agent", "");
    const std::string from = event.value("machine", "");
    if (event.value("remote", false) || (!machine.empty() && from != machine)) agent = from + "/" + agent;
    table.add_row({Cell(event.value("time", "")), Cell(severity, tone_of(severity)), Cell(agent),
                   Cell(event.value("method", "")), Cell(message_with_fields(event))});
  }
  if (events.empty()) return with_header ? out + "no error events\n" : out;
  std::string text = table.render(options.color);
  if (!with_header) text.erase(0, text.find('\n') + 1);  // a follow-up: rows only
  return out + text;
}

}  // namespace agenthost::control
