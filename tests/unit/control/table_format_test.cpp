#include "control/table_format.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include <fmt/format.h>

#include "control/text_table.hpp"

namespace agenthost::control {
namespace {

using runtime::AgentSnapshot;
using runtime::AgentState;
using runtime::HostSnapshot;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

TEST(TableFormat, DurationsAreShortAndReadable) {
  EXPECT_EQ(format_duration(0.25), "0.2ms");
  EXPECT_EQ(format_duration(850), "850ms");
  EXPECT_EQ(format_duration(4213), "4.213s");
  EXPECT_EQ(format_duration(123'000), "2min 3s");
  EXPECT_EQ(format_duration(3 * 3600'000.0 + 120'000), "3h 2min");
  EXPECT_EQ(format_duration(2 * 86400'000.0 + 4 * 3600'000.0), "2d 4h");
  EXPECT_EQ(format_duration(-5), "0.0ms");
}

TEST(TableFormat, ColumnsStayAlignedWithColours) {
  TextTable table({"NAME", "STATE", "DETAIL"});
  table.add_row({"a", {"ready", Tone::good}, "fine"});
  table.add_row({"a-much-longer-name", {"failed", Tone::bad}, "boom"});
  const auto plain = lines_of(table.render(false));
  ASSERT_EQ(plain.size(), 3u);
  EXPECT_EQ(plain[0], "NAME                STATE   DETAIL");
  EXPECT_EQ(plain[1], "a                   ready   fine");
  EXPECT_EQ(plain[2], "a-much-longer-name  failed  boom");
  const std::string coloured = table.render(true);
  EXPECT_NE(coloured.find("\x1b[32mready\x1b[0m   fine"), std::string::npos) << coloured;
}

TEST(TableFormat, StatusHasSummaryAndOneRowPerAgent) {
  HostSnapshot s;
  s.host_name = "edge-01";
  s.version = "0.1.0";
  s.pid = 7;
  s.uptime_ms = 125'000;
  s.startup_finished = true;
  s.startup_completed_at = 4213;
  for (int i = 0; i < 84; ++i) {
    AgentSnapshot a;
    a.name = fmt::format("agent-{:02}", i);
    a.state = i == 3 ? AgentState::failed : AgentState::ready;
    a.reason = i == 3 ? "start() timed out after 30s" : "";
    a.health = HealthStatus::healthy;
    a.health_detail = "ok";
    a.state_since = 5000;
    s.agents.push_back(a);
  }
  const auto lines = lines_of(format_status(s, FormatOptions{}));
  ASSERT_EQ(lines.size(), 2u + 1u + 84u);
  EXPECT_EQ(lines[0],
            "edge-01 (agenthost 0.1.0, pid 7), up 2min 5s; 84 agents: 83 ready, 1 failed, "
            "0 blocked; startup 4.213s");
  EXPECT_EQ(lines[2].rfind("NAME", 0), 0u);
  EXPECT_EQ(lines[3], "agent-00  ready   healthy  2min 0s ago  ok");
  EXPECT_EQ(lines[6], "agent-03  failed  -        2min 0s ago  start() timed out after 30s");
}

}  // namespace
}  // namespace agenthost::control
