#include "control/startup_report.hpp"

#include <gtest/gtest.h>

#include "control/table_format.hpp"
#include "startup_samples.hpp"

namespace agenthost::control {
namespace {

using runtime::AgentSnapshot;
using runtime::AgentState;
using runtime::HostSnapshot;
using testing::ready_agent;

HostSnapshot sample() { return testing::startup_sample(); }

TEST(StartupReport, BlameSortsByOwnStartTimeLongestFirst) {
  const auto entries = blame(sample());
  ASSERT_EQ(entries.size(), 4u);  // modem never became ready
  EXPECT_EQ(entries[0].name, "store");
  EXPECT_DOUBLE_EQ(entries[0].duration_ms, 300);
  EXPECT_EQ(entries[1].name, "broker");
  EXPECT_DOUBLE_EQ(entries[1].duration_ms, 100);
  // api and cache both took 50 ms: by name.
  EXPECT_EQ(entries[2].name, "api");
  EXPECT_EQ(entries[3].name, "cache");
  EXPECT_DOUBLE_EQ(entries[3].ready_at, 150);
}

TEST(StartupReport, CriticalChainFollowsTheLatestReadyDependency) {
  const auto chain = critical_chain(sample());
  ASSERT_EQ(chain.size(), 3u);
  EXPECT_EQ(chain[0].name, "api");
  EXPECT_DOUBLE_EQ(chain[0].ready_at, 450);
  EXPECT_DOUBLE_EQ(chain[0].duration_ms, 50);
  EXPECT_EQ(chain[1].name, "store");  // not cache: store became ready later
  EXPECT_EQ(chain[2].name, "broker");
}

TEST(StartupReport, CriticalChainSurvivesCyclesAndUnknownDependencies) {
  HostSnapshot s;
  s.agents.push_back(ready_agent("a", 0, 20, {"b", "elsewhere"}));
  s.agents.push_back(ready_agent("b", 0, 10, {"a"}));
  const auto chain = critical_chain(s);
  ASSERT_EQ(chain.size(), 2u);
  EXPECT_EQ(chain[0].name, "a");
  EXPECT_EQ(chain[1].name, "b");
  EXPECT_TRUE(critical_chain(HostSnapshot{}).empty());
}

TEST(StartupReport, FailedAndBlockedAreListedWithReasons) {
  const auto missing = not_started(sample());
  ASSERT_EQ(missing.size(), 2u);
  EXPECT_EQ(missing[0].name, "modem");
  EXPECT_EQ(missing[0].state, AgentState::failed);
  EXPECT_EQ(missing[0].reason, "start() threw: no SIM");
  EXPECT_EQ(missing[1].name, "uplink");
  EXPECT_EQ(missing[1].blocked_by, "modem");
}

TEST(StartupReport, JsonHasTheThreeReports) {
  const auto json = startup_report_json(sample());
  EXPECT_EQ(json["blame"][0]["name"], "store");
  EXPECT_EQ(json["critical_chain"][2]["name"], "broker");
  EXPECT_EQ(json["not_started"][1]["state"], "blocked");
}

TEST(StartupReport, FormattedLikeSystemdAnalyze) {
  const std::string text = format_startup(sample(), FormatOptions{});
  EXPECT_NE(text.find("api @450ms +50ms\n"
                      "\u2514\u2500store @400ms +300ms\n"
                      "  \u2514\u2500broker @100ms +100ms\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("start() threw: no SIM"), std::string::npos) << text;
  EXPECT_EQ(text.find("\x1b["), std::string::npos) << "no colours unless asked";
}

}  // namespace
}  // namespace agenthost::control
