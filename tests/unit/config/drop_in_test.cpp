// host.agents_dir: drop-in files merged in file-name order, problems named by file.

#include <gtest/gtest.h>

#include "config/config_checker.hpp"
#include "config/config_loader.hpp"
#include "test_support.hpp"

namespace agenthost::config {
namespace {

using testing::fake_env;
using testing::formatted;
using testing::TempDir;

std::vector<std::string> names(const ClusterConfig& config) {
  std::vector<std::string> out;
  for (const auto& a : config.agents) out.push_back(a.name);
  return out;
}

TEST(DropInTest, MergesInFileNameOrderAfterTheMainFile) {
  TempDir dir;
  const auto main = dir.write("agenthost.yaml", "host: { name: pc1, agents_dir: agents.d }\n"
                                                "agents: [{ name: Main, plugin: p }]\n");
  dir.write("agents.d/20-b.yml", "name: B\nplugin: p\nport: ${B_PORT:-7002}\n");
  dir.write("agents.d/10-a.yaml", "agents:\n  - { name: A1, plugin: p }\n  - { name: A2, plugin: p }\n");
  dir.write("agents.d/30-empty.yaml", "");
  dir.write("agents.d/notes.txt", "not yaml: [");
  auto result = load_config(main, fake_env());
  ASSERT_TRUE(result.ok()) << formatted(result.diagnostics);
  EXPECT_EQ(names(result.config), (std::vector<std::string>{"Main", "A1", "A2", "B"}));
  EXPECT_EQ(result.config.agents[3].port, 7002);
  EXPECT_EQ(result.config.agents[3].machine, "pc1");
  EXPECT_EQ(result.config.files.size(), 4u);
  EXPECT_EQ(result.config.host.agents_dir, (dir.path() / "agents.d").string());
}

TEST(DropInTest, DuplicatesAcrossFilesNameBothPlaces) {
  TempDir dir;
  const auto main = dir.write("agenthost.yaml", "host: { agents_dir: agents.d }\n");
  const auto a = dir.write("agents.d/a.yaml", "agents:\n  - name: X\n    plugin: p\n");
  const auto b = dir.write("agents.d/b.yaml", "# the same agent again\n\nname: X\nplugin: p\n");
  auto result = load_config(main, fake_env());
  ASSERT_TRUE(result.ok()) << formatted(result.diagnostics);
  auto checked = check_cluster(result.config, {.strict = false, .check_plugins = false});
  EXPECT_EQ(formatted(checked), b + ":3:7: error: duplicate agent 'X' (first defined at " + a + ":2:11; rename one)\n");
}

TEST(DropInTest, ErrorsInDropInsNameTheirFile) {
  TempDir dir;
  const auto main = dir.write("agenthost.yaml", "host: { agents_dir: agents.d }\n");
  const auto a = dir.write("agents.d/a.yaml", "agents:\n  - name: X\n    plugn: p\n");
  const auto b = dir.write("agents.d/b.yaml", "host: {}\n");
  const auto c = dir.write("agents.d/c.yaml", "name: [\n");
  auto result = load_config(main, fake_env());
  const std::string text = formatted(result.diagnostics);
  EXPECT_NE(text.find(a + ":3:5: error: unknown key 'plugn' in agent (did you mean 'plugin'?)"), std::string::npos) << text;
  EXPECT_NE(text.find(b + ":1:1: error: a drop-in file holds 'agents: [...]' or one agent mapping"), std::string::npos) << text;
  EXPECT_NE(text.find(c + ":"), std::string::npos) << text;
  EXPECT_NE(text.find("YAML syntax error"), std::string::npos) << text;
}

TEST(DropInTest, MissingAgentsDirIsAnErrorAtItsValue) {
  TempDir dir;
  const auto main = dir.write("agenthost.yaml", "host:\n  agents_dir: nowhere.d\n");
  auto result = load_config(main, fake_env());
  EXPECT_EQ(formatted(result.diagnostics),
            main + ":2:15: error: agents_dir '" + (dir.path() / "nowhere.d").string() +
                "' does not exist (create it, or fix host.agents_dir)\n");
}

}  // namespace
}  // namespace agenthost::config
