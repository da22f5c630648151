// Logging of a real host: json lines on stderr, per-agent levels from the config, and
// `agentctl log-level` changing an agent's level while the host runs.

#include <signal.h>

#include <gtest/gtest.h>

#include "support/host_fixture.hpp"

namespace agenthost::testing {
namespace {

using nlohmann::json;

// Every line the host printed, parsed; a line that is not a JSON object fails the test.
std::vector<json> json_lines(const ChildProcess& host) {
  std::vector<json> out;
  for (const auto& line : host.lines()) {
    json parsed = json::parse(line, nullptr, /*allow_exceptions=*/false);
    EXPECT_TRUE(parsed.is_object()) << "not a JSON object: " << line;
    if (!parsed.is_object()) continue;
    for (const char* key : {"ts", "level", "logger", "msg", "pid"})
      EXPECT_TRUE(parsed.contains(key)) << key << " missing: " << line;
    out.push_back(std::move(parsed));
  }
  return out;
}

// How many lines `logger` printed at `level` whose message starts with `prefix`.
std::size_t count(const std::vector<json>& lines, const std::string& logger, const std::string& level,
                  const std::string& prefix) {
  std::size_t n = 0;
  for (const auto& line : lines)
    if (line.value("logger", "") == logger && line.value("level", "") == level &&
        line.value("msg", "").rfind(prefix, 0) == 0)
      ++n;
  return n;
}

class LogLevel : public ::testing::Test {
 protected:
  void SetUp() override {
    // start_host runs at --log-level debug: `follows_host` gets debug, the others say info.
    config_ = dir_.write("host.yaml", host_section(dir_) + R"(
agents:
  - { name: quiet, plugin: simulated, log_level: info, config: { init_ms: 5 } }
  - { name: loud, plugin: simulated, log_level: info, config: { init_ms: 5 } }
  - { name: follows_host, plugin: simulated, config: { init_ms: 5 } }
)");
    host_ = start_host(config_, {"--log-format", "json"});
    ASSERT_TRUE(host_->wait_for_line("startup complete")) << host_->output();
  }

  TestDir dir_;
  std::string config_;
  std::unique_ptr<ChildProcess> host_;
};

TEST_F(LogLevel, AgentctlRaisesOneAgentsLevelWhileTheHostRuns) {
  auto before = json_lines(*host_);
  EXPECT_EQ(count(before, "follows_host", "debug", "simulated start took"), 1u) << host_->output();
  EXPECT_EQ(count(before, "quiet", "debug", ""), 0u) << host_->output();
  EXPECT_EQ(count(before, "loud", "debug", ""), 0u) << host_->output();
  EXPECT_EQ(count(before, "agenthost", "info", "startup complete: 3 ready"), 1u) << host_->output();

  auto status = status_json(dir_);
  ASSERT_TRUE(status.is_object());
  EXPECT_EQ(status.at("log_level"), "debug");
  EXPECT_EQ(agent_entry(status, "loud").at("log_level"), "info");
  EXPECT_EQ(agent_entry(status, "follows_host").at("log_level"), "debug");

  auto r = agentctl(dir_, {"log-level", "loud", "debug"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("agent loud: log level debug (was info)"), std::string::npos) << r.output;
  EXPECT_EQ(agent_entry(status_json(dir_), "loud").at("log_level"), "debug");

  // simulated logs "stop took" at debug: now from loud, still not from quiet.
  host_->signal(SIGTERM);
  ASSERT_EQ(host_->wait_exit(), 0) << host_->output();
  auto after = json_lines(*host_);
  EXPECT_EQ(count(after, "loud", "debug", "simulated stop took"), 1u) << host_->output();
  EXPECT_EQ(count(after, "follows_host", "debug", "simulated stop took"), 1u) << host_->output();
  EXPECT_EQ(count(after, "quiet", "debug", ""), 0u) << host_->output();
  EXPECT_EQ(count(after, "agenthost", "info", "control socket: agent loud: log level debug (was info)"), 1u)
      << host_->output();
}

TEST_F(LogLevel, UnknownAgentOrLevelFailsWithExitOne) {
  auto unknown_agent = agentctl(dir_, {"log-level", "louder", "debug"});
  EXPECT_EQ(unknown_agent.exit_code, 1) << unknown_agent.output;
  EXPECT_NE(unknown_agent.output.find("unknown agent 'louder' (did you mean 'loud'?)"), std::string::npos)
      << unknown_agent.output;

  auto unknown_level = agentctl(dir_, {"log-level", "loud", "verbose"});
  EXPECT_EQ(unknown_level.exit_code, 1) << unknown_level.output;
  EXPECT_NE(unknown_level.output.find("unknown log level 'verbose' (use trace, debug, info"), std::string::npos)
      << unknown_level.output;
  EXPECT_EQ(agent_entry(status_json(dir_), "loud").at("log_level"), "info");

  auto host = agentctl(dir_, {"log-level", "agenthost", "warn"});
  EXPECT_EQ(host.exit_code, 0) << host.output;
  EXPECT_EQ(status_json(dir_).at("log_level"), "warn");

  host_->signal(SIGTERM);
  EXPECT_EQ(host_->wait_exit(), 0);
}

TEST(LogConfig, HostLogSectionSetsTheFormatAndTheHostsLevel) {
  TestDir dir;
  auto config = dir.write("host.yaml", host_section(dir, "  log: { level: info, format: json }\n") + R"(
agents:
  - { name: chatty, plugin: simulated, log_level: debug, config: { init_ms: 5 } }
)");
  // No --log-level or --log-format: both come from host.log.
  ChildProcess host({AGENTHOST_BIN, "run", "--config", config});
  ASSERT_TRUE(host.wait_for_line("startup complete")) << host.output();
  host.signal(SIGTERM);
  ASSERT_EQ(host.wait_exit(), 0) << host.output();
  auto lines = json_lines(host);
  EXPECT_EQ(count(lines, "chatty", "debug", "simulated start took"), 1u) << host.output();
  // The host's own state transitions are logged at debug: hidden at info.
  EXPECT_EQ(count(lines, "agenthost", "debug", ""), 0u) << host.output();
  EXPECT_EQ(count(lines, "agenthost", "info", "startup complete"), 1u) << host.output();
}

}  // namespace
}  // namespace agenthost::testing
