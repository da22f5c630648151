// What a re-read configuration changes: by agent name, by key, without positions.

#include "reload/config_diff.hpp"

#include <gtest/gtest.h>

#include "config/config_loader.hpp"
#include "../config/test_support.hpp"

namespace agenthost::reload {
namespace {

using agenthost::testing::fake_env;
using agenthost::testing::formatted;

config::ClusterConfig parse(const std::string& text) {
  auto result = config::load_config_text(text, "agenthost.yaml", fake_env());
  EXPECT_TRUE(result.ok()) << formatted(result.diagnostics);
  return result.config;
}

const std::string kBase = R"(host: { name: pc1 }
agents:
  - { name: A, plugin: echo, port: 7001 }
  - { name: B, plugin: echo, dependencies: [A], config: { greeting: hi, list: [1, 2] } }
  - { name: C, kind: process, command: /bin/sleep, args: ["60"] }
)";

TEST(ConfigDiff, TheSameTextChangesNothing) {
  auto diff = diff_configs(parse(kBase), parse(kBase));
  EXPECT_TRUE(diff.agents_unchanged());
  EXPECT_TRUE(diff.host_keys_changed.empty());
}

TEST(ConfigDiff, PositionsAndOrderDoNotCount) {
  // The same agents, other lines, other order, block style, dependencies written twice.
  auto moved = parse(R"(host: { name: pc1 }

agents:
  - { name: C, kind: process, command: /bin/sleep, args: ["60"] }
  - name: B
    plugin: echo
    dependencies: [A, A]
    config:
      list: [1, 2]
      greeting: hi
  - { name: A, plugin: echo, port: 7001 }
)");
  auto diff = diff_configs(parse(kBase), moved);
  EXPECT_TRUE(diff.agents_unchanged()) << (diff.changed.empty() ? "" : diff.changed[0].name);
}

TEST(ConfigDiff, AddedRemovedAndChangedWithTheirKeys) {
  auto after = parse(R"(host: { name: pc1 }
agents:
  - { name: A, plugin: echo, port: 7002, concurrency: 2 }
  - { name: B, plugin: echo, dependencies: [A, D], config: { greeting: hello, list: [1, 2] } }
  - { name: D, plugin: echo }
)");
  auto diff = diff_configs(parse(kBase), after);
  EXPECT_EQ(diff.added, std::vector<std::string>{"D"});
  EXPECT_EQ(diff.removed, std::vector<std::string>{"C"});
  ASSERT_EQ(diff.changed.size(), 2u);
  EXPECT_EQ(diff.changed[0].name, "A");
  EXPECT_EQ(diff.changed[0].keys, (std::vector<std::string>{"port", "concurrency"}));
  EXPECT_EQ(diff.changed[1].name, "B");
  EXPECT_EQ(diff.changed[1].keys, (std::vector<std::string>{"dependencies", "config"}));
}

TEST(ConfigDiff, ProcessSettingsAndSupervisionAreCompared) {
  auto after = parse(R"(host: { name: pc1 }
agents:
  - { name: A, plugin: echo, port: 7001, restart: never, liveness: { failure_threshold: 5 } }
  - { name: B, plugin: echo, dependencies: [A], config: { greeting: hi, list: [1, 2] } }
  - { name: C, kind: process, command: /bin/sleep, args: ["61"] }
)");
  auto diff = diff_configs(parse(kBase), after);
  ASSERT_EQ(diff.changed.size(), 2u);
  EXPECT_EQ(diff.changed[0].keys, (std::vector<std::string>{"restart", "liveness"}));
  EXPECT_EQ(diff.changed[1].keys, std::vector<std::string>{"process"});
}

TEST(ConfigDiff, HostSettingsThatNeedARestartAreNamed) {
  auto after = parse(R"(host: { name: pc1, bind: 127.0.0.2, startup: { timeout: 5s } }
agents:
  - { name: A, plugin: echo, port: 7001 }
  - { name: B, plugin: echo, dependencies: [A], config: { greeting: hi, list: [1, 2] } }
  - { name: C, kind: process, command: /bin/sleep, args: ["60"] }
)");
  auto diff = diff_configs(parse(kBase), after);
  EXPECT_TRUE(diff.agents_unchanged());
  EXPECT_EQ(diff.host_keys_changed, (std::vector<std::string>{"host.startup", "host.bind", "host.advertise"}));
}

}  // namespace
}  // namespace agenthost::reload
