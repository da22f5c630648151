#pragma once
// The `errors` control command: the error bus's journal (host/errors/), filtered.
//
// Request: {"command": "errors", "after": SEQ, "agent": "uplink", "severity": "warning",
//           "limit": 100}                               (every field optional)
// Answer:  {"ok": true, "machine": "main_pc", "last_seq": 42, "missed": 0,
//           "events": [{"seq", "time_ms", "time", "machine", "agent", "method", "severity",
//                       "message", "fields"}, ...]}     oldest first
// `agentctl errors --follow` asks again every 250 ms with after = the last_seq it got.

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "control/table_format.hpp"
#include "errors/error_journal.hpp"

namespace agenthost::control {

using ErrorQueryFn = std::function<errors::ErrorQueryResult(const errors::ErrorQuery&)>;

// The answer to one errors request; checks the fields before it queries.
nlohmann::json answer_errors(const nlohmann::json& request, const std::string& machine, const ErrorQueryFn& query);

// agentctl's lines for the events of one answer: TIME SEVERITY AGENT METHOD MESSAGE (with
// MACHINE when an event came from another host), `with_header` for the first answer only.
std::string format_error_events(const nlohmann::json& answer, bool with_header, const FormatOptions& options);

}  // namespace agenthost::control
