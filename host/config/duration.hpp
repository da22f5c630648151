#pragma once
// Durations with units: "500ms", "30s", "2m", "1h", "1.5s". A bare number is refused: "30"
// is seconds to one reader and milliseconds to the next.

#include <string>
#include <string_view>
#include <variant>

#include "config/config_model.hpp"

namespace agenthost::config {

// The duration, or the text of an error "what is wrong (what to do)".
struct DurationError {
  std::string message;
};
std::variant<Duration, DurationError> parse_duration(std::string_view text);

// "1.2 s", "350 ms": for plan output and messages.
std::string format_duration(Duration d);

}  // namespace agenthost::config
