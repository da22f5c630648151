// kind: process agents in the config: the keys, their defaults, and the errors (with file
// and line) for what does not fit.

#include <gtest/gtest.h>

#include "config/config_checker.hpp"
#include "config/config_loader.hpp"
#include "test_support.hpp"

namespace agenthost::config {
namespace {

using namespace std::chrono_literals;
using testing::fake_env;
using testing::formatted;

LoadResult load(const std::string& text, std::map<std::string, std::string> env = {}) {
  return load_config_text(text, "c.yaml", fake_env(std::move(env)));
}

std::string problems(const std::string& text) { return formatted(load(text).diagnostics); }

TEST(ProcessConfigTest, ReadsEveryKeyWithSubstitution) {
  const char* text = R"(agents:
  - name: Py
    kind: process
    command: ${PYTHON:-python3}
    args: [agent.py, --port, "${PORT}"]
    env: { MODE: "${MODE:-dev}", LEVEL: debug }
    workdir: /srv/py
    endpoint: tcp://localhost:${PORT}
    ready: { health: true }
    stop_timeout: 3s
)";
  auto result = load(text, {{"PORT", "7600"}});
  ASSERT_TRUE(result.ok()) << formatted(result.diagnostics);
  const auto& agent = result.config.agents.at(0);
  EXPECT_EQ(agent.kind, AgentKind::process);
  EXPECT_TRUE(agent.plugin.empty());
  EXPECT_EQ(agent.process.command, "python3");
  EXPECT_EQ(agent.process.args, (std::vector<std::string>{"agent.py", "--port", "7600"}));
  using Env = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(agent.process.env, (Env{{"MODE", "dev"}, {"LEVEL", "debug"}}));
  EXPECT_EQ(agent.process.workdir, "/srv/py");
  EXPECT_EQ(agent.process.endpoint, "tcp://localhost:7600");
  EXPECT_TRUE(agent.process.ready_by_health);
  EXPECT_TRUE(agent.process.ready_command.empty());
  EXPECT_EQ(agent.process.stop_timeout, 3s);
}

TEST(ProcessConfigTest, DefaultsAndReadyCommand) {
  auto result = load("agents:\n"
                     "  - { name: A, kind: process, command: ./a, ready: { command: [test, -e, /tmp/a.ready] } }\n"
                     "  - { name: B, plugin: p }\n");
  ASSERT_TRUE(result.ok()) << formatted(result.diagnostics);
  const auto& a = result.config.agents.at(0);
  EXPECT_FALSE(a.process.ready_by_health);
  EXPECT_EQ(a.process.ready_command, (std::vector<std::string>{"test", "-e", "/tmp/a.ready"}));
  EXPECT_EQ(a.process.stop_timeout, 5s);
  EXPECT_TRUE(a.process.endpoint.empty());
  EXPECT_EQ(result.config.agents.at(1).kind, AgentKind::plugin);
}

TEST(ProcessConfigTest, ProcessAgentNeedsACommandAndNoPlugin) {
  EXPECT_EQ(problems("agents:\n  - { name: A, kind: process }\n"),
            "c.yaml:2:5: error: process agent 'A' has no 'command' (add command: PROGRAM, e.g. python3)\n");
  EXPECT_EQ(problems("agents:\n  - { name: A, kind: process, command: x, plugin: p }\n"),
            "c.yaml:2:51: error: process agent 'A' runs its command, not a plugin (remove plugin, or remove kind: "
            "process)\n");
}

TEST(ProcessConfigTest, ProcessKeysOnAPluginAgentAreErrors) {
  EXPECT_EQ(problems("agents:\n  - { name: A, plugin: p, command: x }\n"),
            "c.yaml:2:36: error: 'command' is for process agents (add kind: process to agent 'A', or remove it)\n");
}

TEST(ProcessConfigTest, BadValues) {
  EXPECT_EQ(problems("agents:\n  - { name: A, kind: proces, plugin: p }\n"),
            "c.yaml:2:22: error: unknown kind 'proces' for agent 'A' (did you mean 'process'?)\n");
  EXPECT_EQ(problems("agents:\n  - { name: A, kind: process, command: x, ready: { health: true } }\n"),
            "c.yaml:2:60: error: ready.health of agent 'A' needs an endpoint to ask (add endpoint: tcp://HOST:PORT, "
            "where the program answers agenthost.health)\n");
  EXPECT_EQ(problems("agents:\n  - { name: A, kind: process, command: x, endpoint: \"localhost:7\" }\n"),
            "c.yaml:2:53: error: endpoint 'localhost:7' of agent 'A' is not a ZeroMQ endpoint (write "
            "tcp://HOST:PORT or ipc://PATH, where the program listens)\n");
  EXPECT_EQ(problems("agents:\n  - { name: A, kind: process, command: x, ready: { command: [] } }\n"),
            "c.yaml:2:61: error: ready.command of agent 'A' is empty (give the program and its arguments)\n");
  EXPECT_EQ(problems("agents:\n  - { name: A, kind: process, command: x, env: [A] }\n"),
            "c.yaml:2:48: error: env of agent 'A' must be a map of keys, got a list\n");
  EXPECT_NE(problems("agents:\n  - { name: A, kind: process, command: x, stop_timeout: 0s }\n"), "");
  EXPECT_NE(problems("agents:\n  - { name: A, kind: process, command: x, ready: { helth: true } }\n")
                .find("did you mean 'health'"),
            std::string::npos);
}

TEST(ProcessConfigTest, MissingPluginCheckSkipsProcessAgents) {
  auto result = load("agents:\n  - { name: A, kind: process, command: /bin/true }\n");
  ASSERT_TRUE(result.ok()) << formatted(result.diagnostics);
  CheckOptions options;
  options.check_plugins = true;
  EXPECT_EQ(formatted(check_cluster(result.config, options)), "");
}

TEST(ProcessConfigTest, CheckFindsACommandPathThatIsNoProgram) {
  auto result = load("agents:\n  - { name: A, kind: process, command: /nonexistent/agent }\n"
                     "  - { name: B, kind: process, command: python3 }\n");
  ASSERT_TRUE(result.ok()) << formatted(result.diagnostics);
  EXPECT_EQ(formatted(check_cluster(result.config, CheckOptions{})),
            "c.yaml:2:13: error: command '/nonexistent/agent' of process agent 'A' is not an executable file (fix "
            "the path, or its mode)\n");
}

}  // namespace
}  // namespace agenthost::config
