// Every kind of broken plugin affects only its agent and the agents that need it.

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "agenthost/version.hpp"

#include "support/host_fixture.hpp"

namespace agenthost::testing {
namespace {

struct BrokenCase {
  std::string plugin;
  std::string message;  // a part of the failed agent's reason
};

void PrintTo(const BrokenCase& c, std::ostream* os) { *os << c.plugin; }

class BrokenPlugin : public ::testing::TestWithParam<BrokenCase> {};

TEST_P(BrokenPlugin, FailsItsAgentBlocksDependentsAndStartsEveryoneElse) {
  const auto& param = GetParam();
  TestDir dir;
  auto config = dir.write("host.yaml", host_section(dir) + R"(
agents:
  - { name: healthy_root, plugin: echo }
  - { name: broken, plugin: )" + param.plugin + R"(, dependencies: [healthy_root] }
  - { name: needs_broken, plugin: echo, dependencies: [broken] }
  - { name: needs_needs_broken, plugin: echo, dependencies: [needs_broken] }
  - { name: bystander, plugin: echo, dependencies: [healthy_root] }
)");
  auto host = start_host(config);
  auto line = host->wait_for_line("startup complete");
  ASSERT_TRUE(line) << host->output();
  EXPECT_NE(line->find("2 ready, 1 failed, 2 blocked"), std::string::npos) << *line;

  auto status = status_json(dir);
  auto broken = agent_entry(status, "broken");
  EXPECT_EQ(broken.at("state"), "failed");
  const auto reason = broken.at("reason").get<std::string>();
  EXPECT_NE(reason.find(param.message), std::string::npos) << reason;
  if (param.plugin != "missing_plugin")
    EXPECT_NE(reason.find(param.plugin + ".so"), std::string::npos) << "names the file: " << reason;
  EXPECT_EQ(broken.at("health"), "unhealthy");

  auto direct = agent_entry(status, "needs_broken");
  EXPECT_EQ(direct.at("state"), "blocked");
  EXPECT_EQ(direct.at("blocked_by"), "broken");
  EXPECT_EQ(direct.at("reason"), "dependency 'broken' failed");
  auto indirect = agent_entry(status, "needs_needs_broken");
  EXPECT_EQ(indirect.at("state"), "blocked");
  EXPECT_EQ(indirect.at("blocked_by"), "broken");
  EXPECT_EQ(agent_entry(status, "bystander").at("state"), "ready");

  // The host log names the agent and the reason once.
  EXPECT_TRUE(host->wait_for_line("agent broken: ", 1s));
  host->signal(SIGTERM);
  EXPECT_EQ(host->wait_exit(), 0) << host->output();
}

INSTANTIATE_TEST_SUITE_P(
    AllKinds, BrokenPlugin,
    ::testing::Values(
        BrokenCase{"missing_plugin", "plugin 'missing_plugin' not found (tried "},
        BrokenCase{"not_a_plugin", "is not an agenthost plugin"},
        BrokenCase{"wrong_api", fmt::format("was built for plugin API {}.{}, this host implements API {}.{}",
                                            AGENTHOST_API_VERSION_MAJOR + 1, AGENTHOST_API_VERSION_MINOR,
                                            AGENTHOST_API_VERSION_MAJOR, AGENTHOST_API_VERSION_MINOR)},
        BrokenCase{"throw_in_factory", "the factory of "},
        BrokenCase{"throw_in_configure", "configure() threw: "},
        BrokenCase{"throw_in_start", "start() threw: "}),
    [](const auto& info) { return info.param.plugin; });

TEST(StartTimeout, AHungStartFailsItsAgentAfterTheTimeoutAndTheHostStillStops) {
  TestDir dir;
  auto config = dir.write("host.yaml", host_section(dir) + R"(
agents:
  - { name: hangs, plugin: hang_in_start, start_timeout: 300ms }
  - { name: needs_hangs, plugin: echo, dependencies: [hangs] }
  - { name: fine, plugin: echo }
)");
  const auto t0 = std::chrono::steady_clock::now();
  auto host = start_host(config);
  auto line = host->wait_for_line("startup complete");
  ASSERT_TRUE(line) << host->output();
  EXPECT_NE(line->find("1 ready, 1 failed, 1 blocked"), std::string::npos) << *line;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
  auto hangs = agent_entry(status_json(dir), "hangs");
  EXPECT_EQ(hangs.at("state"), "failed");
  EXPECT_NE(hangs.at("reason").get<std::string>().find(
                "start() did not finish within 300ms (the agent's start_timeout"),
            std::string::npos)
      << hangs.dump();
  host->signal(SIGTERM);
  EXPECT_EQ(host->wait_exit(10s), 0) << host->output();
  EXPECT_NE(host->output().find("still inside agent code"), std::string::npos);
}

TEST(StartTimeout, HostStartupTimeoutAppliesWhenTheAgentSetsNone) {
  TestDir dir;
  auto config = dir.write("host.yaml",
                          host_section(dir, "  startup: { timeout: 200ms }\n") + R"(
agents:
  - { name: hangs, plugin: hang_in_start }
)");
  auto host = start_host(config);
  ASSERT_TRUE(host->wait_for_line("startup complete: 0 ready, 1 failed")) << host->output();
  auto hangs = agent_entry(status_json(dir), "hangs");
  EXPECT_NE(hangs.at("reason").get<std::string>().find("host.startup.timeout"), std::string::npos);
  host->signal(SIGTERM);
  EXPECT_EQ(host->wait_exit(10s), 0);
}

TEST(Health, AHungHealthMarksOnlyThatAgentUnhealthyAndTheControlSocketKeepsAnswering) {
  TestDir dir;
  // restart: never, because liveness (3 unhealthy polls in a row) would otherwise restart the
  // throwing agent every few hundred ms, and a slow run read its status mid-restart.
  auto config = dir.write("host.yaml", host_section(dir) + R"(
agents:
  - { name: hangs_in_health, plugin: hang_in_health }
  - { name: throws_in_health, plugin: throw_in_health, restart: never }
  - { name: degraded, plugin: simulated, config: { health: degraded } }
  - { name: fine, plugin: simulated, dependencies: [hangs_in_health] }
)");
  auto host = start_host(config);
  ASSERT_TRUE(host->wait_for_line("startup complete: 4 ready")) << host->output();
  ASSERT_TRUE(host->wait_for_line("health() did not return within 200 ms", 10s)) << host->output();
  ASSERT_TRUE(host->wait_for_line("agent throws_in_health: health unhealthy", 10s));

  // While the hung call is still in flight, status answers promptly, many times.
  for (int i = 0; i < 5; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    auto status = status_json(dir);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
    ASSERT_FALSE(status.is_null());
    EXPECT_EQ(agent_entry(status, "hangs_in_health").at("health"), "unhealthy");
    EXPECT_EQ(agent_entry(status, "hangs_in_health").at("state"), "ready");
    EXPECT_EQ(agent_entry(status, "fine").at("health"), "healthy");
  }
  auto status = status_json(dir);
  EXPECT_EQ(agent_entry(status, "degraded").at("health"), "degraded");
  const auto throws = agent_entry(status, "throws_in_health");
  EXPECT_EQ(throws.at("state"), "ready") << throws.dump();
  EXPECT_NE(throws.at("health_detail").get<std::string>().find("health() threw"), std::string::npos)
      << throws.dump();
  host->signal(SIGTERM);
  EXPECT_EQ(host->wait_exit(10s), 0) << host->output();
}

// A plugin file that others than root or the host's user can write is refused: its agent
// fails saying why and how to mend it, and everything else starts.
TEST(PluginPermissions, AGroupWritablePluginFileOrFolderIsRefused) {
  namespace fs = std::filesystem;
  TestDir dir;
  const fs::path plugins = dir.path() / "plugins";
  fs::create_directories(plugins);
  fs::permissions(plugins, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec);
  fs::copy_file(AGENTHOST_PLUGIN_DIR "/echo.so", plugins / "loose.so");
  fs::permissions(plugins / "loose.so", fs::perms::group_write, fs::perm_options::add);
  auto config = dir.write("host.yaml", host_section(dir) + R"(
agents:
  - { name: fine, plugin: echo }
  - { name: loose, plugin: loose }
)");
  // The test folder first, so that loose.so is found there.
  std::string text;
  {
    std::ifstream in(config);
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  const auto at = text.find("plugin_dirs: [");
  ASSERT_NE(at, std::string::npos);
  text.insert(at + 14, plugins.string() + ", ");
  config = dir.write("host.yaml", text);

  auto host = start_host(config);
  ASSERT_TRUE(host->wait_for_line("startup complete: 1 ready, 1 failed")) << host->output();
  auto reason = agent_entry(status_json(dir), "loose").value("reason", "");
  EXPECT_NE(reason.find("refusing the plugin file " + (plugins / "loose.so").string() + ": group '"), std::string::npos)
      << reason;
  EXPECT_NE(reason.find("chmod g-w " + (plugins / "loose.so").string()), std::string::npos) << reason;

  // Mended file, but a folder anyone can write: refused too (after a reload, the host running).
  fs::permissions(plugins / "loose.so", fs::perms::group_write, fs::perm_options::remove);
  fs::permissions(plugins, fs::perms::others_write, fs::perm_options::add);
  ASSERT_EQ(agentctl(dir, {"restart", "loose"}).exit_code, 0);
  ASSERT_TRUE(host->wait_for_line("refusing the plugin folder " + plugins.string() + ": anyone can write it", 10s))
      << host->output();
  EXPECT_EQ(agent_entry(status_json(dir), "fine").value("state", ""), "ready");
  EXPECT_EQ(host->terminate(), 0) << host->output();
}

}  // namespace
}  // namespace agenthost::testing
