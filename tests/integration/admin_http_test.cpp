// The admin HTTP listener of the real host binary: the probes (/healthz, /readyz), the JSON
// view (/health), the page for people (/status) and what it refuses, over a real TCP socket
// on the tests' own loopback address (127.0.0.71; every port the kernel's choice, so the tests
// of this file may run at the same time).

#include <set>

#include <gtest/gtest.h>

#include "support/eventually.hpp"
#include "support/host_fixture.hpp"
#include "support/http_get.hpp"

namespace agenthost::testing {
namespace {

// Five agents: one that is still starting for 1.5 s, one degraded, one whose health() hangs.
const std::set<std::string> kAgents = {"quick", "slow", "tired", "stuck", "echo"};

// The host starts in SetUp; a test that needs every agent started waits for it itself.
class AdminHttp : public ::testing::Test {
 protected:
  void SetUp() override {
    host_ = start_host(config_with_admin(dir_, "127.0.0.71", R"(
  - { name: quick, plugin: simulated, config: { init_ms: 10 } }
  - { name: slow, plugin: simulated, config: { init_ms: 1500 } }
  - { name: tired, plugin: simulated, config: { health: degraded } }
  - { name: stuck, plugin: hang_in_health }
  - { name: echo, plugin: echo, port: auto }
)"));
    url_ = admin_url(*host_);
    ASSERT_FALSE(url_.empty()) << host_->output();
  }
  void TearDown() override { EXPECT_EQ(host_->terminate(), 0) << host_->output(); }

  // Start-up has finished and stuck's first health() call is hung (it blocks for an hour).
  void wait_for_started_and_stuck() {
    ASSERT_TRUE(host_->wait_for_line("startup complete: 5 ready")) << host_->output();
    ASSERT_TRUE(host_->wait_for_line("health() did not return within 200 ms", 10s))
        << host_->output();
  }

  TestDir dir_;
  std::unique_ptr<ChildProcess> host_;
  std::string url_;
};

TEST_F(AdminHttp, ReadyzSaysWhoIsNotReadyUntilStartUpHasFinished) {
  // The listener opens before the agents start. Once quick (10 ms) is ready, slow's 1.5 s
  // start is still running.
  ASSERT_TRUE(host_->wait_for_line("agent quick: starting -> ready", 5s)) << host_->output();
  auto starting = http_get(url_ + "/readyz");
  ASSERT_EQ(starting.status, 503) << starting.error << starting.body;
  EXPECT_EQ(starting.body.rfind("not ready:\n", 0), 0u) << starting.body;
  EXPECT_NE(starting.body.find("\nslow: starting"), std::string::npos) << starting.body;
  EXPECT_EQ(starting.body.find("\nquick:"), std::string::npos)
      << "quick is ready and must not be listed:\n" << starting.body;
  EXPECT_NE(starting.body.find("start-up has not finished"), std::string::npos) << starting.body;
  EXPECT_EQ(http_get(url_ + "/healthz").status, 200) << "the host is alive while it starts";

  ASSERT_TRUE(host_->wait_for_line("startup complete: 5 ready")) << host_->output();
  HttpResponse ready;
  EXPECT_TRUE(eventually([&] { return (ready = http_get(url_ + "/readyz")).status == 200; }, 5s))
      << ready.status << " " << ready.error << ready.body;
  EXPECT_EQ(ready.body, "ready: 5 agents\n");
  EXPECT_EQ(ready.headers["content-type"].rfind("text/plain", 0), 0u);
}

TEST_F(AdminHttp, HealthJsonListsEveryAgentWithItsStateAndHealth) {
  wait_for_started_and_stuck();

  auto healthz = http_get(url_ + "/healthz");
  EXPECT_EQ(healthz.status, 200) << healthz.error;
  EXPECT_EQ(healthz.body, "ok\n");

  nlohmann::json health;
  // The degraded verdict comes from the first health poll (every 100 ms): wait for it.
  ASSERT_TRUE(eventually([&] {
    auto r = http_get(url_ + "/health");
    health = nlohmann::json::parse(r.body, nullptr, false);
    return r.status == 200 && !health.is_discarded() &&
           agent_entry(health, "tired").value("health", "") == "degraded";
  }, 5s)) << health.dump(2);
  EXPECT_EQ(health.at("host"), "main_pc");
  EXPECT_EQ(health.at("pid"), host_->pid());
  EXPECT_EQ(health.at("startup_finished"), true);
  EXPECT_GT(health.at("startup_ms").get<double>(), 1400.0) << "slow alone takes 1.5 s";
  std::set<std::string> names;
  for (const auto& a : health.at("agents")) {
    names.insert(a.at("name").get<std::string>());
    EXPECT_EQ(a.at("state"), "ready") << a.dump();
    EXPECT_EQ(a.at("machine"), "main_pc") << a.dump();
    EXPECT_EQ(a.at("restarts"), 0) << a.dump();
    EXPECT_TRUE(a.at("since").is_string()) << a.dump();
  }
  EXPECT_EQ(names, kAgents);
  EXPECT_EQ(agent_entry(health, "quick").at("health"), "healthy");
  EXPECT_EQ(agent_entry(health, "stuck").at("health"), "unhealthy");
  EXPECT_TRUE(agent_entry(health, "quick").contains("health_checked"));
}

TEST_F(AdminHttp, AHungHealthCallDoesNotSlowTheAnswers) {
  wait_for_started_and_stuck();

  // Generous: this is about not waiting on agent code, not about speed.
  constexpr auto kPrompt = 200ms;
  for (int i = 0; i < 5; ++i) {
    for (const char* path : {"/health", "/readyz", "/healthz", "/status", "/metrics"}) {
      auto r = http_get(url_ + path, 2s);
      EXPECT_EQ(r.status, 200) << path << ": " << r.error;
      EXPECT_LT(r.took, kPrompt) << path << " took " << r.took.count() << " ms";
    }
  }}

TEST_F(AdminHttp, StatusPageHasOneRowPerAgentAndNoOutsideResources) {
  ASSERT_TRUE(host_->wait_for_line("startup complete: 5 ready")) << host_->output();

  for (const char* path : {"/status", "/"}) {
    auto page = http_get(url_ + path);
    ASSERT_EQ(page.status, 200) << path << ": " << page.error;
    EXPECT_EQ(page.headers["content-type"].rfind("text/html", 0), 0u) << path;
    const std::string& html = page.body;
    EXPECT_NE(html.find("<meta http-equiv=\"refresh\" content=\"5\">"), std::string::npos);
    const auto table = html.find("<table id=\"agents\">");
    const auto table_end = html.find("</table>", table);
    ASSERT_NE(table, std::string::npos) << html;
    const std::string rows = html.substr(table, table_end - table);
    for (const auto& name : kAgents)
      EXPECT_NE(rows.find("<tr><td>" + name + "</td><td>main_pc</td>"), std::string::npos)
          << name << " has no row:\n" << rows;
    std::size_t count = 0;
    for (auto at = rows.find("<tr><td>"); at != std::string::npos; at = rows.find("<tr><td>", at + 1))
      ++count;
    EXPECT_EQ(count, kAgents.size()) << rows;
    EXPECT_NE(html.find("<svg", html.find("<div id=\"startup\">")), std::string::npos)
        << "no start-up chart";
    // Everything is inline: the page must work on a machine without internet access.
    for (const char* outside : {"src=\"http", "href=\"http", "src=\"//", "href=\"//", "@import",
                                "url("})
      EXPECT_EQ(html.find(outside), std::string::npos) << path << " refers outside: " << outside;
  }}

TEST_F(AdminHttp, UnknownPathsAre404AndMethodsOtherThanGetAre405) {
  auto missing = http_get(url_ + "/nothing-here");
  EXPECT_EQ(missing.status, 404) << missing.error;
  EXPECT_NE(missing.body.find("/metrics"), std::string::npos) << "a 404 says what exists";
  EXPECT_EQ(http_get(url_ + "/metrics/extra").status, 404);
  for (const char* method : {"POST", "PUT", "DELETE"}) {
    auto refused = http_request(method, url_ + "/healthz");
    EXPECT_EQ(refused.status, 405) << method << ": " << refused.error << refused.body;
    EXPECT_EQ(refused.headers["allow"], "GET, HEAD");
  }
  auto head = http_request("HEAD", url_ + "/healthz");
  EXPECT_EQ(head.status, 200) << head.error;
  EXPECT_EQ(head.headers["content-length"], "3") << "HEAD tells the length of what GET sends";
}

// Another host asks for the port this host's listener has: it says which address and what to
// do, stops the agents it had begun to start, and exits 78 (a config that cannot start).
TEST_F(AdminHttp, AListenAddressThatIsTakenStopsTheHostWithExit78) {
  const std::string port = url_.substr(url_.rfind(':') + 1);
  TestDir other;
  auto second = start_host(other.write("host.yaml", host_section(other, "  admin: { listen: \"127.0.0.71:" + port + "\" }\n") +
                                                        "agents:\n  - { name: lone, plugin: simulated }\n"));
  EXPECT_EQ(second->wait_exit(20s), 78) << second->output();
  EXPECT_NE(second->output().find("host.admin.listen 127.0.0.71:" + port), std::string::npos)
      << second->output();
}

}  // namespace
}  // namespace agenthost::testing
