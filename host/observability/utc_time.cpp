#include "observability/utc_time.hpp"

#include <ctime>

#include <fmt/format.h>

namespace agenthost::observability {

std::string format_utc_time(std::chrono::system_clock::time_point time) {
  using namespace std::chrono;
  // floor, not duration_cast: a time before 1970 must not round its seconds up.
  const auto seconds = floor<std::chrono::seconds>(time);
  const auto millis = duration_cast<milliseconds>(time - seconds).count();
  const std::time_t t = system_clock::to_time_t(seconds);
  std::tm utc{};
  ::gmtime_r(&t, &utc);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", utc.tm_year + 1900, utc.tm_mon + 1,
                     utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, millis);
}

std::string format_utc_time_ms(std::int64_t unix_ms) {
  return format_utc_time(std::chrono::system_clock::time_point{std::chrono::milliseconds{unix_ms}});
}

}  // namespace agenthost::observability
