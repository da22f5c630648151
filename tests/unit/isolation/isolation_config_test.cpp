// `isolation: process` in the config, the child's one-agent config the host writes for it,
// the ipc:// addresses both sides compute, and crash quarantine's file and its effect.

#include <fstream>

#include <gtest/gtest.h>

#include "config/config_loader.hpp"
#include "isolation/child_config.hpp"
#include "messaging/ipc_endpoint.hpp"
#include "supervision/crash_quarantine.hpp"
#include "../config/test_support.hpp"

namespace agenthost::config {
namespace {

using namespace std::chrono_literals;
using testing::fake_env;
using testing::formatted;

LoadResult load(const std::string& text, std::map<std::string, std::string> env = {}) {
  return load_config_text(text, "c.yaml", fake_env(std::move(env)));
}

TEST(IsolationConfigTest, ReadsIsolationAndRefusesWhatDoesNotFit) {
  auto ok = load("agents:\n"
                 "  - { name: A, plugin: p, isolation: process }\n"
                 "  - { name: B, plugin: p, isolation: none }\n"
                 "  - { name: C, plugin: p }\n");
  ASSERT_TRUE(ok.ok()) << formatted(ok.diagnostics);
  EXPECT_EQ(ok.config.agents[0].isolation, Isolation::process);
  EXPECT_TRUE(ok.config.agents[0].runs_in_child());
  EXPECT_EQ(ok.config.agents[1].isolation, Isolation::none);
  EXPECT_FALSE(ok.config.agents[2].runs_in_child());

  const auto bad = formatted(load("agents:\n"
                                  "  - { name: A, plugin: p, isolation: proces }\n"
                                  "  - { name: B, kind: process, command: x, isolation: process }\n")
                                 .diagnostics);
  EXPECT_NE(bad.find("c.yaml:2:38: error: unknown isolation 'proces' for agent 'A' (did you mean 'process'?)"),
            std::string::npos)
      << bad;
  EXPECT_NE(bad.find("c.yaml:3:54: error: process agent 'B' runs in a process of its own already (remove "
                     "isolation)"),
            std::string::npos)
      << bad;
}

TEST(IsolationConfigTest, TheChildConfigLoadsAsTheOneAgentWithItsConfigUntouched) {
  auto parent = load("host:\n"
                     "  name: pc1\n"
                     "  plugin_dirs: [/opt/plugins]\n"
                     "  health: { interval: 250ms, timeout: 50ms }\n"
                     "  workers: 3\n"
                     "agents:\n"
                     "  - { name: Dep, plugin: p }\n"
                     "  - name: Vision\n"
                     "    plugin: vision\n"
                     "    isolation: process\n"
                     "    port: 7000\n"
                     "    dependencies: [Dep]\n"
                     "    concurrency: 4\n"
                     "    log_level: debug\n"
                     "    config: { model: \"${MODEL}\", price: \"$$5\", list: [a, \"b$c\"] }\n",
                     {{"MODEL", "big-$HOME"}});
  ASSERT_TRUE(parent.ok()) << formatted(parent.diagnostics);
  const auto& vision = parent.config.agents.at(1);
  const auto text = isolation::child_config_yaml(parent.config.host, "pc1", vision, observability::LogLevel::info);

  // Read back with no environment at all: nothing in it is substituted again.
  auto child = load(text);
  ASSERT_TRUE(child.ok()) << formatted(child.diagnostics) << "\n" << text;
  EXPECT_EQ(child.config.host.name, "pc1");
  EXPECT_EQ(child.config.host.plugin_dirs, std::vector<std::string>{"/opt/plugins"});
  EXPECT_EQ(child.config.host.health_interval, 250ms);
  EXPECT_EQ(child.config.host.health_timeout, 50ms);
  EXPECT_EQ(child.config.host.workers, 3);
  ASSERT_EQ(child.config.agents.size(), 1u);
  const auto& agent = child.config.agents[0];
  EXPECT_EQ(agent.name, "Vision");
  EXPECT_EQ(agent.plugin, "vision");
  EXPECT_EQ(agent.isolation, Isolation::none);  // the child runs it in its own process
  EXPECT_FALSE(agent.port || agent.port_auto);   // the host keeps the port
  EXPECT_TRUE(agent.dependencies.empty());       // and waits for the dependencies
  EXPECT_EQ(agent.restart, RestartPolicy::never);  // and restarts the child
  EXPECT_EQ(agent.concurrency, 4);
  EXPECT_EQ(agent.log_level, observability::LogLevel::debug);
  EXPECT_EQ(agent.config["model"].as<std::string>(), "big-$HOME");
  EXPECT_EQ(agent.config["price"].as<std::string>(), "$5");
  EXPECT_EQ(agent.config["list"][1].as<std::string>(), "b$c");
}

TEST(IsolationConfigTest, IpcAddressesFitAUnixSocketAndAreTheSameOnBothSides) {
  EXPECT_EQ(messaging::ipc_endpoint("/run/agenthost/x/host", "Vision"), "ipc:///run/agenthost/x/host/Vision.sock");
  EXPECT_EQ(messaging::ipc_file("ipc:///tmp/a.sock"), "/tmp/a.sock");
  EXPECT_EQ(messaging::ipc_file("tcp://127.0.0.1:1"), "");
  const std::string long_name(120, 'A');
  const auto hashed = messaging::ipc_endpoint("/tmp/d", long_name);
  EXPECT_LE(messaging::ipc_file(hashed).size(), 107u);
  EXPECT_EQ(hashed, messaging::ipc_endpoint("/tmp/d", long_name));
  EXPECT_NE(hashed, messaging::ipc_endpoint("/tmp/d", long_name + "B"));
  EXPECT_NE(messaging::ipc_endpoint("/tmp/d", "a/b").find("/tmp/d/h-"), std::string::npos);
}

TEST(CrashQuarantineTest, TheLastCrashOfEachAgentIsolatesItsPluginAgentWithTheReason) {
  testing::TempDir dir;
  const auto file = supervision::quarantine_file(dir.path().string());
  EXPECT_TRUE(supervision::read_quarantine(file).empty());  // no file: no quarantine
  {
    std::ofstream out(file);
    out << "Vision 11 1764292200\n"
           "not a line\n"
           "Speech 6 1764292300\n"
           "Vision 7 1764292400\n";
  }
  const auto crashes = supervision::read_quarantine(file);
  ASSERT_EQ(crashes.size(), 2u);
  EXPECT_EQ(crashes.at("Vision").signal, 7);
  EXPECT_EQ(crashes.at("Vision").count, 2);
  EXPECT_EQ(crashes.at("Speech").count, 1);
  EXPECT_EQ(supervision::quarantine_reason(crashes.at("Speech"), file),
            "its code crashed the host, last with SIGABRT (Aborted) at 2025-11-28T01:11:40.000Z; it runs isolated "
            "until `agentctl release` (or its lines are removed from " + file + ")");
  EXPECT_NE(supervision::quarantine_reason(crashes.at("Vision"), file).find("crashed the host 2 times, last with SIGBUS"),
            std::string::npos);

  auto loaded = load("agents:\n"
                     "  - { name: Vision, plugin: vision }\n"
                     "  - { name: Speech, kind: process, command: x }\n"
                     "  - { name: Other, plugin: p }\n");
  ASSERT_TRUE(loaded.ok());
  const auto applied = supervision::apply_quarantine(loaded.config, crashes, file);
  EXPECT_EQ(applied, std::vector<std::string>{"Vision"});  // a process agent is a process already
  EXPECT_EQ(loaded.config.agents[0].isolation, Isolation::process);
  EXPECT_FALSE(loaded.config.agents[0].quarantined.empty());
  EXPECT_TRUE(loaded.config.agents[1].quarantined.empty());
  EXPECT_EQ(loaded.config.agents[2].isolation, Isolation::none);

  // Releasing takes every line of the agent out and leaves the others.
  EXPECT_FALSE(supervision::release_from_quarantine(file, "Vision"));
  const auto after = supervision::read_quarantine(file);
  EXPECT_FALSE(after.contains("Vision"));
  EXPECT_TRUE(after.contains("Speech"));
  EXPECT_EQ(supervision::release_from_quarantine(file, "Vision").value_or(""),
            "agent 'Vision' is not in quarantine (" + file + " does not name it)");
}

}  // namespace
}  // namespace agenthost::config

namespace agenthost::config {
namespace {

TEST(ControlAccessConfigTest, ModeOwnerAndGroupAreReadAndCheckedOnThisMachine) {
  auto ok = load_config_text("host:\n"
                             "  control: { socket: /run/x.sock, mode: \"0600\", owner: root, group: root }\n",
                             "c.yaml", testing::fake_env());
  ASSERT_TRUE(ok.ok()) << testing::formatted(ok.diagnostics);
  EXPECT_EQ(ok.config.host.control_mode, 0600u);
  ASSERT_TRUE(ok.config.host.control_owner);
  EXPECT_EQ(ok.config.host.control_owner->id, 0);
  ASSERT_TRUE(ok.config.host.control_group);
  EXPECT_EQ(ok.config.host.control_group->id, 0);
  EXPECT_EQ(load_config_text("agents: []\n", "c.yaml", testing::fake_env()).config.host.control_mode, 0660u);

  const auto bad = testing::formatted(load_config_text("host:\n"
                                                       "  control:\n"
                                                       "    mode: \"0998\"\n"
                                                       "    owner: no-such-user-here\n"
                                                       "    group: no-such-group-here\n",
                                                       "c.yaml", testing::fake_env())
                                          .diagnostics);
  EXPECT_NE(bad.find("c.yaml:3:11: error: host.control.mode must be octal permissions such as \"0660\""),
            std::string::npos)
      << bad;
  EXPECT_NE(bad.find("c.yaml:4:12: error: host.control.owner 'no-such-user-here' is not a user on this machine"),
            std::string::npos)
      << bad;
  EXPECT_NE(bad.find("c.yaml:5:12: error: host.control.group 'no-such-group-here' is not a group on this machine"),
            std::string::npos)
      << bad;
  const auto locked_out = testing::formatted(
      load_config_text("host: { control: { mode: \"0460\" } }\n", "c.yaml", testing::fake_env()).diagnostics);
  EXPECT_NE(locked_out.find("leaves the socket's owner unable to use it"), std::string::npos) << locked_out;
}

}  // namespace
}  // namespace agenthost::config
