// The log level and format names users write, and their spdlog levels.

#include <gtest/gtest.h>

#include "observability/log_settings.hpp"

namespace agenthost::observability {
namespace {

TEST(LogSettingsTest, LevelNamesMapToSpdlogLevelsBothWays) {
  const std::pair<const char*, LogLevel> expected[] = {
      {"trace", spdlog::level::trace}, {"debug", spdlog::level::debug}, {"info", spdlog::level::info},
      {"warn", spdlog::level::warn},   {"error", spdlog::level::err},   {"critical", spdlog::level::critical},
      {"off", spdlog::level::off}};
  ASSERT_EQ(log_level_names().size(), std::size(expected));
  for (const auto& [name, level] : expected) {
    EXPECT_EQ(parse_log_level(name), level) << name;
    EXPECT_EQ(log_level_name(level), name);
  }
}

TEST(LogSettingsTest, OtherSpellingsAreRefusedNotTurnedOff) {
  // spdlog::level::from_str("verbose") is off: a typo would silence an agent.
  for (const char* name : {"verbose", "warning", "err", "INFO", "", " info"})
    EXPECT_FALSE(parse_log_level(name)) << name;
}

TEST(LogSettingsTest, Formats) {
  EXPECT_EQ(parse_log_format("text"), LogFormat::text);
  EXPECT_EQ(parse_log_format("json"), LogFormat::json);
  EXPECT_FALSE(parse_log_format("jsonl"));
  EXPECT_EQ(log_format_names(), (std::vector<std::string>{"text", "json"}));
}

}  // namespace
}  // namespace agenthost::observability
