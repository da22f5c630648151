#include "observability/json_log_formatter.hpp"

#include <unistd.h>

#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/details/log_msg.h>

#include "observability/log_settings.hpp"
#include "observability/utc_time.hpp"

namespace agenthost::observability {

void JsonLogFormatter::format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
  // ordered_json keeps the fields in the documented order, which people reading raw lines expect.
  const nlohmann::ordered_json line = {
      {"ts", format_utc_time(msg.time)},
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
