#include "observability/json_log_formatter.hpp"

#include <unistd.h>

#include <chrono>
#include <ctime>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/details/log_msg.h>

#include "observability/log_settings.hpp"

namespace agenthost::observability {
namespace {

// "2026-11-27T05:32:29.594Z" (RFC 3339, UTC, milliseconds).
std::string utc_timestamp(spdlog::log_clock::time_point time) {
  using namespace std::chrono;
  // floor, not duration_cast: a time before 1970 must not round its seconds up.
  const auto seconds = floor<std::chrono::seconds>(time);
  const auto millis = duration_cast<milliseconds>(time - seconds).count();
  const std::time_t t = spdlog::log_clock::to_time_t(seconds);
  std::tm utc{};
  ::gmtime_r(&t, &utc);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", utc.tm_year + 1900, utc.tm_mon + 1,
                     utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, millis);
}

}  // namespace

void JsonLogFormatter::format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
  // ordered_json keeps the fields in the documented order, which people reading raw lines expect.
  const nlohmann::ordered_json line = {
      {"ts", utc_timestamp(msg.time)},
      {"level", log_level_name(msg.level)},
      {"logger", std::string(msg.logger_name.data(), msg.logger_name.size())},
      {"msg", std::string(msg.payload.data(), msg.payload.size())},
      {"pid", ::getpid()},
  };
  const std::string text = line.dump(-1, ' ', /*ensure_ascii=*/false, nlohmann::json::error_handler_t::replace);
  dest.append(text.data(), text.data() + text.size());
  dest.push_back('\n');
}

std::unique_ptr<spdlog::formatter> JsonLogFormatter::clone() const {
  return std::make_unique<JsonLogFormatter>();
}

}  // namespace agenthost::observability
