// `agenthost check`, `plan` and `run` on good and bad configs: output and exit codes.

#include <gtest/gtest.h>

#include "support/host_fixture.hpp"

namespace agenthost::testing {
namespace {

const std::string kDemo = AGENTHOST_SOURCE_DIR "/config/demo/agenthost.yaml";

TEST(Cli, CheckAcceptsTheDemo) {
  auto r = run_command({AGENTHOST_BIN, "check", "--config", kDemo},
                       {{"AGENTHOST_PLUGIN_DIR", AGENTHOST_PLUGIN_DIR}});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("ok (84 agents on 2 machines"), std::string::npos) << r.output;
}

TEST(Cli, CheckReportsEveryProblemWithItsPositionAndExitsOne) {
  TestDir dir;
  auto config = dir.write("host.yaml", host_section(dir) + R"(agents:
  - { name: a, plugin: echo, port: 7000, dependencies: [b] }
  - { name: b, plugin: echo, port: 7000, dependencies: [a] }
  - { name: c, plugin: echo, dependncies: [a] }
)");
  auto r = run_command({AGENTHOST_BIN, "check", "--config", config});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find(config + ":9:30: error: unknown key 'dependncies'"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("a -> b -> a"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("did you mean 'dependencies'?"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("7000"), std::string::npos) << r.output;
}

TEST(Cli, RunRefusesAConfigItCannotStartWithExit78) {
  TestDir dir;
  auto config = dir.write("host.yaml", host_section(dir) + R"(agents:
  - { name: a, plugin: echo, dependencies: [b] }
  - { name: b, plugin: echo, dependencies: [a] }
)");
  auto r = run_command({AGENTHOST_BIN, "run", "--config", config});
  EXPECT_EQ(r.exit_code, 78) << r.output;
  EXPECT_NE(r.output.find("a -> b -> a"), std::string::npos) << r.output;
}

TEST(Cli, RunOnAMissingFileExits78) {
  auto r = run_command({AGENTHOST_BIN, "run", "--config", "/nonexistent/agenthost.yaml"});
  EXPECT_EQ(r.exit_code, 78) << r.output;
  EXPECT_NE(r.output.find("/nonexistent/agenthost.yaml"), std::string::npos) << r.output;
}

TEST(Cli, UsageErrorsExitTwo) {
  EXPECT_EQ(run_command({AGENTHOST_BIN, "run"}).exit_code, 2);
  EXPECT_EQ(run_command({AGENTHOST_BIN, "frobnicate"}).exit_code, 2);
  EXPECT_EQ(run_command({AGENTHOST_BIN, "run", "--config", kDemo, "--strategy", "x"}).exit_code, 2);
}

TEST(Cli, VersionIsPrinted) {
  auto r = run_command({AGENTHOST_BIN, "--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.output.find("agenthost "), std::string::npos) << r.output;
}

TEST(Cli, PlanShowsLevelsAndTheCriticalPath) {
  auto r = run_command({AGENTHOST_BIN, "plan", "--config", kDemo, "--machine", "all"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("level 0"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("level 6"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("sequential start: 168.0 s"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("critical path ("), std::string::npos) << r.output;
}

TEST(Cli, PlanDotIsAGraphvizDigraph) {
  auto r = run_command({AGENTHOST_BIN, "plan", "--config", kDemo, "--machine", "all", "--dot"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.rfind("digraph", 0), 0u) << r.output.substr(0, 200);
  EXPECT_NE(r.output.find("\"ServiceRegistry\" -> \"SystemDigitalTwin\""), std::string::npos);
}

}  // namespace
}  // namespace agenthost::testing
