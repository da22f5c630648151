// The /status page of the 84-agent demo in a real browser (headless Chromium): every agent is
// in the rendered agents table, and a screenshot is kept as a test artifact for people to look
// at (test-artifacts/status.png in the build folder). The demo's agents have fixed ports: each
// test binds them on its own address; the admin listener is on 127.0.0.1, port 0.

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "support/host_fixture.hpp"
#include "support/local_tools.hpp"

namespace agenthost::testing {
namespace {

// Chromium runs as root in CI containers (no sandbox then) and must not touch the user's
// profile; its log goes to stderr, the page to `out`.
CommandResult run_chromium(const std::string& chromium, const TestDir& dir,
                           const std::vector<std::string>& args, const std::string& out) {
  std::string command = "exec " + shell_quote(chromium) +
                        " --headless --no-sandbox --disable-gpu --no-first-run"
                        " --user-data-dir=" + shell_quote(dir.file("chromium-profile"));
  for (const auto& a : args) command += " " + shell_quote(a);
  command += " > " + shell_quote(out);
  return run_command({"/bin/sh", "-c", command}, {}, 60s);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class AdminStatusPage : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto found = find_program("chromium");
    if (!found) GTEST_SKIP() << "chromium is not installed (Debian: apt-get install chromium)";
    chromium_ = *found;
  }

  // The demo, all 84 agents started, their ports on `address`.
  void start_demo(const std::string& address) {
    host_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{AGENTHOST_BIN, "run", "--config",
                                 AGENTHOST_SOURCE_DIR "/config/demo/agenthost.yaml", "--machine",
                                 "all"},
        std::map<std::string, std::string>{{"AGENTHOST_PLUGIN_DIR", AGENTHOST_PLUGIN_DIR},
                                           {"AGENTHOST_CONTROL_SOCKET", dir_.file("control.sock")},
                                           {"AGENTHOST_BIND", address},
                                           {"AGENTHOST_ADMIN_PORT", "0"}});
    url_ = admin_url(*host_);
    ASSERT_FALSE(url_.empty()) << host_->output();
    auto line = host_->wait_for_line("startup complete", 30s);
    ASSERT_TRUE(line) << host_->output();
    ASSERT_NE(line->find("84 ready, 0 failed, 0 blocked"), std::string::npos) << *line;
  }
  void TearDown() override {
    if (host_) {
      EXPECT_EQ(host_->terminate(), 0) << host_->output();
    }
  }

  // The agents' names as the host's control socket tells them: an independent source.
  std::vector<std::string> agent_names() {
    std::vector<std::string> names;
    auto status = status_json(dir_);
    if (status.is_null() || status.is_discarded()) return names;
    for (const auto& a : status.at("agents")) names.push_back(a.at("name").get<std::string>());
    return names;
  }

  TestDir dir_;
  std::string chromium_;
  std::unique_ptr<ChildProcess> host_;
  std::string url_;
};

TEST_F(AdminStatusPage, ChromiumRendersEveryDemoAgentInTheAgentsTable) {
  ASSERT_NO_FATAL_FAILURE(start_demo("127.0.0.75"));
  const auto names = agent_names();
  ASSERT_EQ(names.size(), 84u);
  const std::string dom_file = dir_.file("dom.html");
  auto run = run_chromium(chromium_, dir_, {"--dump-dom", url_ + "/status"}, dom_file);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const std::string dom = read_file(dom_file);

  // The DOM as Chromium built it: the table must have survived parsing intact.
  const auto table = dom.find("<table id=\"agents\">");
  ASSERT_NE(table, std::string::npos) << dom.substr(0, 2000);
  const auto table_end = dom.find("</table>", table);
  ASSERT_NE(table_end, std::string::npos);
  const std::string rows = dom.substr(table, table_end - table);
  for (const auto& name : names)
    EXPECT_NE(rows.find("<td>" + name + "</td>"), std::string::npos) << name << " is not in the table";
  std::size_t ready = 0;
  for (auto at = rows.find(">ready</span>"); at != std::string::npos; at = rows.find(">ready</span>", at + 1))
    ++ready;
  EXPECT_EQ(ready, 84u);
  EXPECT_NE(dom.find("<svg", dom.find("<div id=\"startup\">")), std::string::npos)
      << "no start-up chart";
}

TEST_F(AdminStatusPage, ChromiumTakesAScreenshotKeptAsATestArtifact) {
  ASSERT_NO_FATAL_FAILURE(start_demo("127.0.0.76"));
  std::filesystem::create_directories(AGENTHOST_TEST_ARTIFACT_DIR);
  const std::string png = AGENTHOST_TEST_ARTIFACT_DIR "/status.png";
  std::filesystem::remove(png);  // a stale one from an earlier run proves nothing
  auto run = run_chromium(chromium_, dir_,
                          {"--screenshot=" + png, "--window-size=1400,2400",
                           "--hide-scrollbars", url_ + "/status"},
                          dir_.file("chromium.out"));
  ASSERT_EQ(run.exit_code, 0) << run.output;
  ASSERT_TRUE(std::filesystem::exists(png)) << run.output;
  // A nearly empty page at this size is ~15 KB; 84 rows and a chart are far more.
  EXPECT_GT(std::filesystem::file_size(png), 40'000u) << "the screenshot looks blank";
  EXPECT_EQ(read_file(png).substr(0, 8), "\x89PNG\r\n\x1a\n");
}

}  // namespace
}  // namespace agenthost::testing
