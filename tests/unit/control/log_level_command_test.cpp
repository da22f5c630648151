// The log-level control command: what it checks before it changes anything, and its answers.

#include "control/log_level_command.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace agenthost::control {
namespace {

using nlohmann::json;
using observability::LogLevel;
using observability::LogLevelChange;

// A setter that records its calls; "uplink" is at info, every other name is unknown.
struct FakeLoggers {
  std::vector<std::pair<std::string, LogLevel>> calls;
  LogLevelSetter setter() {
    return [this](std::string_view logger, LogLevel level) {
      calls.emplace_back(std::string(logger), level);
      if (logger == "uplink" || logger == "agenthost") return LogLevelChange{LogLevel::info, ""};
      return LogLevelChange{std::nullopt, "unknown agent '" + std::string(logger) + "'"};
    };
  }
};

TEST(LogLevelCommand, SetsTheLevelAndSaysWhatItWas) {
  FakeLoggers loggers;
  const json answer =
      answer_log_level({{"command", "log-level"}, {"agent", "uplink"}, {"level", "debug"}}, loggers.setter());
  EXPECT_EQ(answer.value("message", ""), "agent uplink: log level debug (was info)") << answer.dump();
  EXPECT_EQ(answer.value("previous", ""), "info");
  EXPECT_EQ(answer.value("level", ""), "debug");
  EXPECT_FALSE(answer.contains("ok") && answer["ok"] == false) << answer.dump();
  ASSERT_EQ(loggers.calls.size(), 1u);
  EXPECT_EQ(loggers.calls[0].first, "uplink");
  EXPECT_EQ(loggers.calls[0].second, LogLevel::debug);
}

TEST(LogLevelCommand, TheHostsLoggerIsNamedWithoutAgent) {
  FakeLoggers loggers;
  const json answer =
      answer_log_level({{"command", "log-level"}, {"agent", "agenthost"}, {"level", "warn"}}, loggers.setter());
  EXPECT_EQ(answer.value("message", ""), "agenthost: log level warn (was info)") << answer.dump();
}

TEST(LogLevelCommand, UnknownLevelIsRefusedBeforeAnythingChanges) {
  FakeLoggers loggers;
  const json answer =
      answer_log_level({{"command", "log-level"}, {"agent", "uplink"}, {"level", "verbose"}}, loggers.setter());
  EXPECT_EQ(answer.value("ok", true), false);
  EXPECT_EQ(answer.value("error", ""),
            "unknown log level 'verbose' (use trace, debug, info, warn, error, critical or off)");
  EXPECT_TRUE(loggers.calls.empty());
}

TEST(LogLevelCommand, TheSettersErrorIsTheAnswer) {
  FakeLoggers loggers;
  const json answer =
      answer_log_level({{"command", "log-level"}, {"agent", "nobody"}, {"level", "debug"}}, loggers.setter());
  EXPECT_EQ(answer.value("ok", true), false);
  EXPECT_EQ(answer.value("error", ""), "unknown agent 'nobody'");
}

TEST(LogLevelCommand, MissingOrWrongFields) {
  FakeLoggers loggers;
  for (const json& request : {json{{"command", "log-level"}, {"level", "debug"}},
                              json{{"command", "log-level"}, {"agent", 7}, {"level", "debug"}},
                              json{{"command", "log-level"}, {"agent", "uplink"}},
                              json{{"command", "log-level"}, {"agent", "uplink"}, {"level", nullptr}}}) {
    const json answer = answer_log_level(request, loggers.setter());
    EXPECT_EQ(answer.value("ok", true), false) << request.dump();
    EXPECT_NE(answer.value("error", "").find("needs a string field"), std::string::npos) << answer.dump();
  }
  EXPECT_TRUE(loggers.calls.empty());
}

}  // namespace
}  // namespace agenthost::control
