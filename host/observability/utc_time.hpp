#pragma once
// One timestamp format for every line and event a person or a program reads: RFC 3339, UTC,
// milliseconds ("2026-11-27T05:32:29.594Z"). Used by the JSON log lines and the error bus.

#include <chrono>
#include <cstdint>
#include <string>

namespace agenthost::observability {

std::string format_utc_time(std::chrono::system_clock::time_point time);
// Milliseconds since 1970 (negative before it).
std::string format_utc_time_ms(std::int64_t unix_ms);

}  // namespace agenthost::observability
