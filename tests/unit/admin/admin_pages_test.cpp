// The admin listener's pages, from snapshots.

#include "admin/admin_pages.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace agenthost::admin {
namespace {

runtime::AgentSnapshot agent(std::string name, runtime::AgentState state, std::string reason = "") {
  runtime::AgentSnapshot a;
  a.name = std::move(name);
  a.machine = "main_pc";
  a.state = state;
  a.reason = std::move(reason);
  a.health = HealthStatus::healthy;
  a.state_since = 100;
  return a;
}

runtime::HostSnapshot host(std::vector<runtime::AgentSnapshot> agents, bool finished = true) {
  runtime::HostSnapshot s;
  s.host_name = "main_pc";
  s.version = "0.1.0";
  s.pid = 42;
  s.uptime_ms = 5000;
  s.startup_finished = finished;
  if (finished) s.startup_completed_at = 336;
  s.agents = std::move(agents);
  return s;
}

TEST(AdminPagesTest, ReadyzIs200OnlyWhenEveryAgentIsReady) {
  auto ready = readyz(host({agent("A", runtime::AgentState::ready), agent("B", runtime::AgentState::ready)}));
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(ready.body, "ready: 2 agents\n");

  auto waiting = readyz(host({agent("A", runtime::AgentState::ready),
                              agent("B", runtime::AgentState::blocked, "dependency 'C' failed")}));
  EXPECT_EQ(waiting.status, 503);
  EXPECT_NE(waiting.body.find("B: blocked: dependency 'C' failed"), std::string::npos) << waiting.body;
  EXPECT_EQ(waiting.body.find("A:"), std::string::npos);

  auto starting = readyz(host({agent("A", runtime::AgentState::ready)}, /*finished=*/false));
  EXPECT_EQ(starting.status, 503);
  EXPECT_NE(starting.body.find("start-up has not finished"), std::string::npos);
}

TEST(AdminPagesTest, HealthJsonHasEveryAgent) {
  auto a = agent("A", runtime::AgentState::ready);
  a.health = HealthStatus::degraded;
  a.health_detail = "slow disk";
  a.restarts = 3;
  auto page = health_json(host({a, agent("B", runtime::AgentState::failed, "start() threw: x")}));
  EXPECT_EQ(page.content_type, "application/json");
  const auto json = nlohmann::json::parse(page.body);
  ASSERT_EQ(json["agents"].size(), 2u);
  EXPECT_EQ(json["agents"][0]["name"], "A");
  EXPECT_EQ(json["agents"][0]["health"], "degraded");
  EXPECT_EQ(json["agents"][0]["detail"], "slow disk");
  EXPECT_EQ(json["agents"][0]["restarts"], 3);
  EXPECT_EQ(json["agents"][0]["since_ms"], 100);
  EXPECT_TRUE(json["agents"][0]["since"].get<std::string>().ends_with("Z"));
  EXPECT_EQ(json["agents"][1]["state"], "failed");
  EXPECT_EQ(json["agents"][1]["reason"], "start() threw: x");
  EXPECT_EQ(json["startup_ms"], 336);
}

TEST(AdminPagesTest, StatusPageShowsEveryAgentEscapedAndTheChart) {
  auto page = status_html(host({agent("A<b>", runtime::AgentState::ready),
                                agent("B", runtime::AgentState::failed, "x & y")}),
                          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg id=\"chart\"></svg>");
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("A&lt;b&gt;"), std::string::npos);
  EXPECT_EQ(page.body.find("A<b>"), std::string::npos);
  EXPECT_NE(page.body.find("x &amp; y"), std::string::npos);
  EXPECT_NE(page.body.find("<svg id=\"chart\"></svg>"), std::string::npos);
  EXPECT_EQ(page.body.find("<?xml"), std::string::npos);  // not allowed inside HTML
  EXPECT_NE(page.body.find("1 of 2 agents ready"), std::string::npos);
  // Offline: nothing is fetched from elsewhere.
  EXPECT_EQ(page.body.find("http://"), std::string::npos);
  EXPECT_EQ(page.body.find("https://"), std::string::npos);
  EXPECT_EQ(page.body.find("<script"), std::string::npos);
}

}  // namespace
}  // namespace agenthost::admin
