// agentctl against a running host: every command, human and --json, and its errors.

#include <signal.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "support/host_fixture.hpp"

namespace agenthost::testing {
namespace {

class Agentctl : public ::testing::Test {
 protected:
  void SetUp() override {
    auto config = dir_.write("host.yaml", host_section(dir_) + R"(
agents:
  - { name: store, plugin: simulated, config: { init_ms: 40 } }
  - { name: api, plugin: simulated, dependencies: [store], config: { init_ms: 20, health: degraded } }
  - { name: broken, plugin: throw_in_start }
  - { name: needs_broken, plugin: echo, dependencies: [broken] }
)");
    host_ = start_host(config);
    ASSERT_TRUE(host_->wait_for_line("startup complete")) << host_->output();
    // Wait for api's first health answer (the poll interval is 100 ms).
    ASSERT_TRUE(host_->wait_for_line("agent api: health degraded", 5s)) << host_->output();
  }
  void TearDown() override {
    host_->signal(SIGTERM);
    EXPECT_EQ(host_->wait_exit(), 0);
  }

  TestDir dir_;
  std::unique_ptr<ChildProcess> host_;
};

TEST_F(Agentctl, StatusShowsEveryAgentWithStateAndHealth) {
  auto r = agentctl(dir_, {"status"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (auto word : {"store", "api", "broken", "needs_broken", "ready", "failed", "blocked",
                    "degraded"})
    EXPECT_NE(r.output.find(word), std::string::npos) << word << "\n" << r.output;
}

TEST_F(Agentctl, StatusJsonHasTheDocumentedShape) {
  auto status = status_json(dir_);
  ASSERT_TRUE(status.is_object());
  ASSERT_EQ(status.at("agents").size(), 4u);
  for (const auto& a : status.at("agents")) {
    EXPECT_TRUE(a.contains("name") && a.contains("state") && a.contains("health")) << a.dump();
  }
  EXPECT_EQ(agent_entry(status, "store").at("state"), "ready");
  EXPECT_EQ(agent_entry(status, "api").at("health"), "degraded");
  EXPECT_EQ(agent_entry(status, "broken").at("state"), "failed");
  EXPECT_EQ(agent_entry(status, "needs_broken").at("state"), "blocked");
  EXPECT_EQ(agent_entry(status, "needs_broken").at("blocked_by"), "broken");
}

TEST_F(Agentctl, ListHealthAndStartupAnswerInBothForms) {
  for (auto cmd : {"list", "health", "startup"}) {
    auto human = agentctl(dir_, {cmd});
    EXPECT_EQ(human.exit_code, 0) << cmd << ": " << human.output;
    EXPECT_NE(human.output.find("store"), std::string::npos) << cmd << ": " << human.output;
    auto json = agentctl(dir_, {cmd, "--json"});
    EXPECT_EQ(json.exit_code, 0) << cmd << ": " << json.output;
    EXPECT_FALSE(nlohmann::json::parse(json.output, nullptr, false).is_discarded())
        << cmd << ": " << json.output;
  }
}

TEST_F(Agentctl, StartupShowsBlameAndTheCriticalChain) {
  auto r = agentctl(dir_, {"startup"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // api waited for store: the chain ends at api and goes through store.
  auto api = r.output.rfind("api");
  auto store = r.output.rfind("store");
  EXPECT_NE(api, std::string::npos);
  EXPECT_NE(store, std::string::npos);
  EXPECT_NE(r.output.find("broken"), std::string::npos) << "failed agents are listed: " << r.output;
}

TEST_F(Agentctl, StartupSvgWritesTheChartOfEveryAgent) {
  const auto path = dir_.file("startup.svg");
  auto r = agentctl(dir_, {"startup", "--svg", path});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "start-up chart of 4 agents written to " + path + "\n");

  std::stringstream svg;
  svg << std::ifstream(path).rdbuf();
  const std::string text = svg.str();
  EXPECT_EQ(text.rfind("<?xml", 0), 0u) << text.substr(0, 200);
  EXPECT_NE(text.find("xmlns=\"http://www.w3.org/2000/svg\""), std::string::npos);
  EXPECT_EQ(text.substr(text.size() - 7), "</svg>\n");
  std::size_t rows = 0;
  for (auto at = text.find("<g class=\"agent "); at != std::string::npos;
       at = text.find("<g class=\"agent ", at + 1))
    ++rows;
  EXPECT_EQ(rows, 4u);
  // store -> api is the chain; broken failed, needs_broken is blocked by it.
  for (auto part : {"<g class=\"agent ready chain\">\n<title>store (ready)",
                    "<g class=\"agent ready chain\">\n<title>api (ready)",
                    "<g class=\"agent failed\">\n<title>broken (failed)",
                    "<g class=\"agent blocked\">\n<title>needs_broken (blocked)"})
    EXPECT_NE(text.find(part), std::string::npos) << part << "\n" << text;

  for (const auto& entry : std::filesystem::directory_iterator(dir_.path()))
    EXPECT_EQ(entry.path().filename().string().find(".tmp-"), std::string::npos)
        << "temporary file left: " << entry.path();
}

TEST_F(Agentctl, StartupSvgThatCannotBeWrittenExitsOneNamingTheFile) {
  const auto path = dir_.file("no-such-folder/startup.svg");
  auto r = agentctl(dir_, {"startup", "--svg", path});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("agentctl: cannot write " + path + ": No such file or directory"),
            std::string::npos)
      << r.output;
}

TEST_F(Agentctl, TheControlSocketIsMode0660) {
  struct stat st {};
  ASSERT_EQ(::stat(dir_.file("control.sock").c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0660u);
}

TEST(AgentctlWithoutHost, SaysItCannotConnectAndExitsOne) {
  TestDir dir;
  auto r = agentctl(dir, {"status"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("cannot connect to " + dir.file("control.sock")), std::string::npos)
      << r.output;
}

TEST(AgentctlWithoutHost, UsageErrorExitsTwo) {
  EXPECT_EQ(run_command({AGENTCTL_BIN, "frobnicate"}).exit_code, 2);
}

}  // namespace
}  // namespace agenthost::testing
