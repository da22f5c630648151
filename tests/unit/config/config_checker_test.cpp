// check_cluster: each cluster rule, strict mode, and long chains.

#include <gtest/gtest.h>

#include <fmt/format.h>

#include "config/config_checker.hpp"
#include "config/config_loader.hpp"
#include "test_support.hpp"

namespace agenthost::config {
namespace {

using testing::fake_env;
using testing::formatted;

const CheckOptions kNoPlugins{.strict = false, .check_plugins = false};

std::string check_text(const std::string& text, CheckOptions options = kNoPlugins) {
  auto loaded = load_config_text(text, "c.yaml", fake_env());
  EXPECT_TRUE(loaded.ok()) << formatted(loaded.diagnostics);
  return formatted(check_cluster(loaded.config, options));
}

TEST(ConfigCheckerTest, ValidConfigHasNoDiagnostics) {
  EXPECT_EQ(check_text("agents:\n  - { name: A, plugin: p, port: 1 }\n  - { name: B, plugin: p, dependencies: [A] }\n"),
            "");
}

TEST(ConfigCheckerTest, DuplicateNames) {
  EXPECT_EQ(check_text("agents:\n  - name: X\n    plugin: p\n  - name: X\n    plugin: p\n"),
            "c.yaml:4:11: error: duplicate agent 'X' (first defined at c.yaml:2:11; rename one)\n");
}

TEST(ConfigCheckerTest, PortClashesPerMachine) {
  const char* text = R"(host: { name: m1, admin: { listen: "127.0.0.1:9464" } }
agents:
  - { name: A, plugin: p, port: 7000 }
  - { name: B, plugin: p, port: 7000, machine: m2 }
  - { name: C, plugin: p, port: 7000, machine: m1 }
  - { name: D, plugin: p, port: 9464, machine: m2 }
  - { name: E, plugin: p, port: auto }
  - { name: F, plugin: p, port: auto }
)";
  EXPECT_EQ(check_text(text),
            "c.yaml:5:33: error: port 7000 of agent 'C' clashes with agent 'A' at c.yaml:3:33 on machine 'm1' "
            "(pick another port or write port: auto)\n"
            "c.yaml:6:33: error: port 9464 of agent 'D' clashes with the admin listener host.admin.listen at "
            "c.yaml:1:36 (every host listens there; pick another port or write port: auto)\n");
}

TEST(ConfigCheckerTest, AReplicaTakesItsPortOnEveryMachine) {
  const char* text = R"(host: { name: m1 }
agents:
  - { name: A, plugin: p, port: 7000, machine: [m1, m2] }
  - { name: B, plugin: p, port: 7000, machine: m3 }
  - { name: C, plugin: p, port: 7000, machine: [m3, m2] }
)";
  EXPECT_EQ(check_text(text),
            "c.yaml:5:33: error: port 7000 of agent 'C' clashes with agent 'B' at c.yaml:4:33 on machine 'm3' "
            "(pick another port or write port: auto)\n");
}

TEST(ConfigCheckerTest, UnknownAndSelfDependencies) {
  const char* text = R"(agents:
  - { name: broker, plugin: p }
  - { name: uplink, plugin: p, dependencies: [brokr, uplink, zzz] }
)";
  EXPECT_EQ(check_text(text),
            "c.yaml:3:47: error: agent 'uplink' depends on unknown agent 'brokr' (did you mean 'broker'?)\n"
            "c.yaml:3:54: error: agent 'uplink' depends on itself (remove it from its dependencies)\n"
            "c.yaml:3:62: error: agent 'uplink' depends on unknown agent 'zzz' (define it, or remove it from "
            "dependencies)\n");
}

TEST(ConfigCheckerTest, CycleIsAPathWithEveryEdge) {
  const char* text = R"(agents:
  - { name: A, plugin: p, dependencies: [B] }
  - { name: B, plugin: p, dependencies: [C] }
  - { name: C, plugin: p, dependencies: [A] }
)";
  EXPECT_EQ(check_text(text),
            "c.yaml:2:42: error: dependency cycle: A -> B -> C -> A (remove one of these dependencies)\n"
            "  c.yaml:2:42: A depends on B\n"
            "  c.yaml:3:42: B depends on C\n"
            "  c.yaml:4:42: C depends on A\n");
}

TEST(ConfigCheckerTest, ListsAtMostAHundredCycles) {
  // A hub with 150 two-agent cycles through it.
  std::string text = "agents:\n  - name: Hub\n    plugin: p\n    dependencies: [";
  for (int i = 0; i < 150; ++i) text += fmt::format("{}S{}", i ? ", " : "", i);
  text += "]\n";
  for (int i = 0; i < 150; ++i) text += fmt::format("  - {{ name: S{}, plugin: p, dependencies: [Hub] }}\n", i);
  auto loaded = load_config_text(text, "c.yaml", fake_env());
  auto found = check_cluster(loaded.config, kNoPlugins);
  ASSERT_EQ(found.error_count(), 101u);
  EXPECT_EQ(found.items().back().format(), "c.yaml: error: and 50 more dependency cycles (fix the ones above first)");
}

TEST(ConfigCheckerTest, MissingPluginNamesTheFilesTried) {
  testing::TempDir dir;
  dir.write("plugins/libthere.so", "");
  const auto main = dir.write("agenthost.yaml", "host: { plugin_dirs: [plugins] }\n"
                                                "agents:\n  - { name: A, plugin: there }\n  - { name: B, plugin: gone }\n");
  auto loaded = load_config(main, fake_env());
  const auto plugins = (dir.path() / "plugins").string();
  EXPECT_EQ(formatted(check_cluster(loaded.config, {})),
            fmt::format("{}:4:24: error: plugin 'gone' of agent 'B' not found (tried {}/libgone.so, {}/gone.so; "
                        "build it, or fix host.plugin_dirs)\n", main, plugins, plugins));
}

TEST(ConfigCheckerTest, LiteralIpWarningsAndStrict) {
  const char* text = R"(host:
  registry:
    listen: "0.0.0.0:7400"
    peers: ["192.168.1.20:7400", "${PC2_IP:-10.0.0.2}:7400", "[::1]:7400"]
)";
  const std::string warnings =
      "c.yaml:4:13: warning: literal IP address '192.168.1.20' (use ${VAR:-...} or a host name)\n"
      "c.yaml:4:34: warning: literal IP address '10.0.0.2' as the default of ${PC2_IP} (use a host name as the "
      "default)\n";
  EXPECT_EQ(check_text(text), warnings);
  std::string strict = warnings;
  for (auto pos = strict.find("warning:"); pos != std::string::npos; pos = strict.find("warning:", pos))
    strict.replace(pos, 8, "error:");
  EXPECT_EQ(check_text(text, {.strict = true, .check_plugins = false}), strict);
}

std::string chain(int n, bool back_edge) {
  std::string text = "agents:\n";
  text.reserve(static_cast<std::size_t>(n) * 60);
  for (int i = 0; i < n; ++i) {
    text += fmt::format("  - {{ name: a{}, plugin: p", i);
    if (i > 0) text += fmt::format(", dependencies: [a{}]", i - 1);
    else if (back_edge) text += fmt::format(", dependencies: [a{}]", n - 1);
    text += " }\n";
  }
  return text;
}

TEST(ConfigCheckerTest, TwentyThousandChainChecksWithoutRecursion) {
  auto loaded = load_config_text(chain(20000, false), "chain.yaml", fake_env());
  ASSERT_TRUE(loaded.ok());
  ASSERT_EQ(loaded.config.agents.size(), 20000u);
  EXPECT_TRUE(check_cluster(loaded.config, kNoPlugins).empty());
}

TEST(ConfigCheckerTest, TwentyThousandChainWithOneBackEdgeHasOneCycle) {
  auto loaded = load_config_text(chain(20000, true), "chain.yaml", fake_env());
  ASSERT_TRUE(loaded.ok());
  auto found = check_cluster(loaded.config, kNoPlugins);
  ASSERT_EQ(found.error_count(), 1u);
  EXPECT_EQ(found.items()[0].message.rfind("dependency cycle: a0 -> a19999 -> a19998", 0), 0u);
}

}  // namespace
}  // namespace agenthost::config
