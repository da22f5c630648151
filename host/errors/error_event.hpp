#pragma once
// One event on the error bus, and its JSON form (the control socket's `errors` answer and
// the forwarding wire, docs/PROTOCOL.md).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "agenthost/errors.hpp"

namespace agenthost::errors {

struct ErrorEvent {
  std::uint64_t seq = 0;       // this host's journal order (assigned when recorded)
  std::int64_t time_ms = 0;    // wall clock, ms since the Unix epoch (when reported)
  std::string machine;         // where it was reported
  std::string agent;           // "agenthost" for the host's own events
  std::string method;          // the handler or lifecycle call ("start", "health"), or ""
  Severity severity = Severity::error;
  std::string message;
  ErrorFields fields;
  bool remote = false;         // forwarded to this host by another one
};

// "info" -> Severity::info, ...; std::nullopt for anything else.
std::optional<Severity> parse_severity(std::string_view text) noexcept;

// Every field but `remote` (the receiver decides that). from_json throws
// nlohmann::json::exception or std::invalid_argument on a malformed object.
nlohmann::json to_json(const ErrorEvent& event);
ErrorEvent event_from_json(const nlohmann::json& object);

}  // namespace agenthost::errors
