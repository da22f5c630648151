// host.log (level, format) and an agent's log_level.

#include <gtest/gtest.h>

#include "config/config_loader.hpp"
#include "test_support.hpp"

namespace agenthost::config {
namespace {

using observability::LogFormat;
using observability::LogLevel;
using testing::fake_env;
using testing::formatted;

LoadResult load(const std::string& text, std::map<std::string, std::string> env = {}) {
  return load_config_text(text, "c.yaml", fake_env(std::move(env)));
}

std::string problems(const std::string& text) { return formatted(load(text).diagnostics); }

TEST(LogConfigTest, DefaultsAreInfoTextAndTheHostsLevelForAgents) {
  auto result = load("agents:\n  - { name: A, plugin: p }\n");
  ASSERT_TRUE(result.ok()) << formatted(result.diagnostics);
  EXPECT_EQ(result.config.host.log.level, LogLevel::info);
  EXPECT_EQ(result.config.host.log.format, LogFormat::text);
  EXPECT_FALSE(result.config.agents.at(0).log_level);
}

TEST(LogConfigTest, ReadsHostLogAndAgentLevelsWithSubstitution) {
  const char* text = R"(host:
  log: { level: warn, format: "${LOG_FORMAT:-text}" }
agents:
  - { name: A, plugin: p, log_level: debug }
  - { name: B, plugin: p, log_level: "${B_LEVEL}" }
  - { name: C, plugin: p }
)";
  auto result = load(text, {{"LOG_FORMAT", "json"}, {"B_LEVEL", "off"}});
  ASSERT_TRUE(result.ok()) << formatted(result.diagnostics);
  EXPECT_EQ(result.config.host.log.level, LogLevel::warn);
  EXPECT_EQ(result.config.host.log.format, LogFormat::json);
  EXPECT_EQ(result.config.agents.at(0).log_level, LogLevel::debug);
  EXPECT_EQ(result.config.agents.at(1).log_level, LogLevel::off);
  EXPECT_FALSE(result.config.agents.at(2).log_level);
}

TEST(LogConfigTest, EveryLevelNameIsAccepted) {
  for (const auto& name : observability::log_level_names()) {
    auto result = load("agents:\n  - { name: A, plugin: p, log_level: " + name + " }\n");
    ASSERT_TRUE(result.ok()) << name << ": " << formatted(result.diagnostics);
    EXPECT_EQ(observability::log_level_name(*result.config.agents.at(0).log_level), name);
  }
}

TEST(LogConfigTest, UnknownAgentLevelNamesItsPositionAndTheValidLevels) {
  EXPECT_EQ(problems("agents:\n  - name: A\n    plugin: p\n    log_level: verbose\n"),
            "c.yaml:4:16: error: unknown log_level 'verbose' for agent 'A' (use trace, debug, info, warn, "
            "error, critical or off)\n");
  EXPECT_EQ(problems("agents:\n  - { name: A, plugin: p, log_level: DEBUG }\n"),
            "c.yaml:2:38: error: unknown log_level 'DEBUG' for agent 'A' (did you mean 'debug'? use trace, "
            "debug, info, warn, error, critical or off)\n");
}

TEST(LogConfigTest, UnknownHostLevelOrFormat) {
  EXPECT_EQ(problems("host:\n  log:\n    level: warning\n    format: jsonl\n"),
            "c.yaml:3:12: error: unknown host.log.level 'warning' (use trace, debug, info, warn, error, "
            "critical or off)\n"
            "c.yaml:4:13: error: unknown host.log.format 'jsonl' (did you mean 'json'? use text or json)\n");
}

TEST(LogConfigTest, HostLogIsAMappingWithKnownKeys) {
  EXPECT_EQ(problems("host:\n  log: debug\n"), "c.yaml:2:8: error: host.log must be a map of keys, got a scalar\n");
  EXPECT_NE(problems("host:\n  log: { levle: debug }\n").find("c.yaml:2:10: error: unknown key 'levle' in host.log"),
            std::string::npos)
      << problems("host:\n  log: { levle: debug }\n");
}

TEST(LogConfigTest, AnAgentCannotTakeTheHostLoggersName) {
  EXPECT_EQ(problems("agents:\n  - { name: agenthost, plugin: p }\n"),
            "c.yaml:2:13: error: agent name 'agenthost' is the host's own logger's name (rename the agent)\n");
}

}  // namespace
}  // namespace agenthost::config
