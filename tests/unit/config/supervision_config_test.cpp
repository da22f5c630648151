// An agent's supervision keys: restart, restart_backoff, start_limit, liveness — their
// defaults, every key read, and the errors (with file:line:column) for bad values.

#include <gtest/gtest.h>

#include "config/config_loader.hpp"
#include "test_support.hpp"

namespace agenthost::config {
namespace {

using namespace std::chrono_literals;
using testing::fake_env;
using testing::formatted;

LoadResult load(const std::string& text) { return load_config_text(text, "c.yaml", fake_env({{"JITTER", "0.5"}})); }
std::string problems(const std::string& text) { return formatted(load(text).diagnostics); }

TEST(SupervisionConfigTest, Defaults) {
  auto result = load("agents:\n  - { name: A, plugin: p }\n");
  ASSERT_TRUE(result.ok()) << formatted(result.diagnostics);
  const auto& a = result.config.agents.at(0);
  EXPECT_EQ(a.restart, RestartPolicy::on_failure);
  EXPECT_EQ(a.restart_backoff.initial, 1s);
  EXPECT_EQ(a.restart_backoff.max, 30s);
  EXPECT_DOUBLE_EQ(a.restart_backoff.jitter, 0.2);
  EXPECT_EQ(a.start_limit.burst, 5);
  EXPECT_EQ(a.start_limit.interval, 60s);
  EXPECT_EQ(a.liveness.failure_threshold, 3);
}

TEST(SupervisionConfigTest, ReadsEveryKey) {
  auto result = load(R"(agents:
  - name: A
    plugin: p
    restart: always
    restart_backoff:
      initial: 50ms
      max: 2s
      jitter: ${JITTER}
    start_limit: { burst: 2, interval: 10s }
    liveness: { failure_threshold: 4 }
  - { name: B, plugin: p, restart: never }
)");
  ASSERT_TRUE(result.ok()) << formatted(result.diagnostics);
  const auto& a = result.config.agents.at(0);
  EXPECT_EQ(a.restart, RestartPolicy::always);
  EXPECT_EQ(a.restart_backoff.initial, 50ms);
  EXPECT_EQ(a.restart_backoff.max, 2s);
  EXPECT_DOUBLE_EQ(a.restart_backoff.jitter, 0.5);
  EXPECT_EQ(a.start_limit.burst, 2);
  EXPECT_EQ(a.start_limit.interval, 10s);
  EXPECT_EQ(a.liveness.failure_threshold, 4);
  EXPECT_EQ(result.config.agents.at(1).restart, RestartPolicy::never);
}

TEST(SupervisionConfigTest, BadValuesAreErrorsWithTheirPlace) {
  auto out = problems(R"(agents:
  - name: A
    plugin: p
    restart: sometimes
    restart_backoff: { initial: 2s, max: 1s, jitter: 1.5 }
    start_limit: { burst: 0, interval: 0s }
    liveness: { failure_treshold: 2 }
)");
  EXPECT_NE(out.find("c.yaml:4:14: error: unknown restart policy 'sometimes' for agent 'A'"), std::string::npos) << out;
  EXPECT_NE(out.find("c.yaml:5:42: error: restart_backoff of agent 'A': max 1.0 s must not be less than initial 2.0 s"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("c.yaml:5:54: error: restart_backoff of agent 'A': jitter must be a number from 0 to 1"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("c.yaml:6:27: error: start_limit of agent 'A': burst must be between 1 and 1000000, got 0"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("c.yaml:6:40: error: start_limit of agent 'A': interval must be greater than 0"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("c.yaml:7:17: error: unknown key 'failure_treshold' in liveness of agent 'A' (did you mean "
                     "'failure_threshold'?)"),
            std::string::npos)
      << out;
}

TEST(SupervisionConfigTest, SectionsMustBeMaps) {
  auto out = problems("agents:\n  - { name: A, plugin: p, start_limit: 5, liveness: [1] }\n");
  EXPECT_NE(out.find("start_limit of agent 'A'"), std::string::npos) << out;
  EXPECT_NE(out.find("liveness of agent 'A'"), std::string::npos) << out;
}

}  // namespace
}  // namespace agenthost::config
