#include "observability/log_settings.hpp"

#include <algorithm>

namespace agenthost::observability {

namespace {

// The enumerator whose name is `name`, when `names` lists an enum's names in its order.
template <typename Enum>
std::optional<Enum> enumerator_named(const std::vector<std::string>& names, std::string_view name) {
  const auto it = std::find(names.begin(), names.end(), name);
  if (it == names.end()) return std::nullopt;
  return static_cast<Enum>(it - names.begin());
}

}  // namespace

static_assert(spdlog::level::trace == 0 && spdlog::level::warn == 3 && spdlog::level::off == 6,
              "log_level_names() is indexed by spdlog's level numbers");

const std::vector<std::string>& log_level_names() {
  // Indexed by spdlog::level::level_enum, which counts trace = 0 up to off.
  static const std::vector<std::string> names = {"trace", "debug", "info", "warn", "error", "critical", "off"};
  return names;
}

std::optional<LogLevel> parse_log_level(std::string_view name) {
  return enumerator_named<LogLevel>(log_level_names(), name);
}

std::string_view log_level_name(LogLevel level) {
  const auto& names = log_level_names();
  const auto index = static_cast<std::size_t>(level);
  return index < names.size() ? std::string_view(names[index]) : std::string_view("unknown");
}

const std::vector<std::string>& log_format_names() {
  static const std::vector<std::string> names = {"text", "json"};  // in LogFormat's order
  return names;
}

std::optional<LogFormat> parse_log_format(std::string_view name) {
  return enumerator_named<LogFormat>(log_format_names(), name);
}

}  // namespace agenthost::observability
