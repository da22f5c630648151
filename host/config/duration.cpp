#include "config/duration.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

namespace agenthost::config {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace

std::variant<Duration, DurationError> parse_duration(std::string_view text) {
  const std::string_view s = trim(text);
  std::size_t i = 0;
  bool digits = false, dot = false;
  while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || (s[i] == '.' && !dot))) {
    if (s[i] == '.') dot = true; else digits = true;
    ++i;
  }
  if (!s.empty() && s.front() == '-')
    return DurationError{fmt::format("duration '{}' is negative (write a positive duration like 500ms)", s)};
  if (!digits)
    return DurationError{fmt::format("'{}' is not a duration (write e.g. 500ms, 30s, 2m or 1h)", s)};
  const double number = std::strtod(std::string(s.substr(0, i)).c_str(), nullptr);
  const std::string_view unit = trim(s.substr(i));
  if (unit.empty())
    return DurationError{fmt::format(
        "duration '{}' has no unit (write {}s or {}ms)", s, s.substr(0, i), s.substr(0, i))};
  double ms_per_unit = 0;
  if (unit == "ms") ms_per_unit = 1;
  else if (unit == "s") ms_per_unit = 1000;
  else if (unit == "m" || unit == "min") ms_per_unit = 60'000;
  else if (unit == "h") ms_per_unit = 3'600'000;
  else
    return DurationError{fmt::format("unknown unit '{}' in duration '{}' (use ms, s, m or h)", unit, s)};
  const double ms = number * ms_per_unit;
  if (ms > 1e15) return DurationError{fmt::format("duration '{}' is too long", s)};
  return Duration(static_cast<Duration::rep>(std::llround(ms)));
}

std::string format_duration(Duration d) {
  if (d.count() < 1000) return fmt::format("{} ms", d.count());
  return fmt::format("{:.1f} s", static_cast<double>(d.count()) / 1000.0);
}

}  // namespace agenthost::config
