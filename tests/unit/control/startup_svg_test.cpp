#include "control/startup_svg.hpp"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "../config/test_support.hpp"
#include "startup_samples.hpp"

namespace agenthost::control {
namespace {

using runtime::AgentSnapshot;
using runtime::AgentState;
using runtime::HostSnapshot;
using testing::ready_agent;

HostSnapshot sample() { return testing::startup_sample(); }

// Well-formedness without a parser library: tags nest and close, attribute values are
// quoted and hold no '<', and every '&' starts one of XML's entities or a character reference.
std::string xml_problem(const std::string& xml) {
  static const std::regex entity(R"(^&(amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);)");
  static const std::regex tag(
      R"(^<(/?)([A-Za-z][\w:.-]*)((\s+[\w:.-]+\s*=\s*("[^"<]*"|'[^'<]*'))*)\s*(/?)>)");
  static const std::array<std::pair<std::string_view, std::string_view>, 3> skipped{
      {{"<?", "?>"}, {"<![CDATA[", "]]>"}, {"<!--", "-->"}}};
  std::vector<std::string> open;
  for (std::size_t i = 0; i < xml.size();) {
    const std::string rest = xml.substr(i, 1000);
    const auto skip = std::find_if(skipped.begin(), skipped.end(),
                                   [&](const auto& s) { return rest.rfind(s.first, 0) == 0; });
    std::smatch match;
    if (skip != skipped.end()) {
      const auto end = xml.find(skip->second, i);
      if (end == std::string::npos) return "unterminated " + std::string(skip->first);
      i = end + skip->second.size();
    } else if (xml[i] == '&') {
      if (!std::regex_search(rest, match, entity)) return "bare & at " + rest.substr(0, 40);
      i += match.length(0);
    } else if (xml[i] == '<') {
      if (!std::regex_search(rest, match, tag)) return "malformed tag at " + rest.substr(0, 60);
      const bool closing = match[1] == "/", self_closing = match[6] == "/";
      if (closing) {
        if (open.empty() || open.back() != match[2]) return "unexpected </" + match[2].str() + ">";
        open.pop_back();
      } else if (!self_closing) {
        open.push_back(match[2]);
      }
      i += match.length(0);
    } else {
      if (xml[i] == '>') return "bare > in text at " + rest.substr(0, 40);
      ++i;
    }
  }
  return open.empty() ? "" : "unclosed <" + open.back() + ">";
}

// One chart row as the tests see it: its group's classes, the name shown and its bars.
struct Row {
  std::string classes;  // of <g class="agent ...">
  std::string name;     // the text left of the bars
  std::string name_class;
  std::vector<std::string> bar_classes;
  std::string body;  // everything inside the group
};

std::vector<Row> rows_of(const std::string& svg) {
  static const std::regex group(R"re(<g class="(agent[^"]*)">([\s\S]*?)</g>)re");
  static const std::regex name(R"re(<text [^>]*class="(name[^"]*)">([^<]*)</text>)re");
  static const std::regex bar(R"re(<rect class="((load|configure|start)[^"]*)")re");
  std::vector<Row> rows;
  for (std::sregex_iterator it(svg.begin(), svg.end(), group), end; it != end; ++it) {
    Row row;
    row.classes = (*it)[1];
    row.body = (*it)[2];
    std::smatch match;
    if (std::regex_search(row.body, match, name)) {
      row.name_class = match[1];
      row.name = match[2];
    }
    for (std::sregex_iterator b(row.body.begin(), row.body.end(), bar); b != end; ++b)
      row.bar_classes.push_back((*b)[1]);
    rows.push_back(std::move(row));
  }
  return rows;
}

const Row& row_named(const std::vector<Row>& rows, const std::string& name) {
  for (const auto& row : rows)
    if (row.name == name) return row;
  static const Row none;
  ADD_FAILURE() << "no row for " << name;
  return none;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(StartupSvg, IsAWellFormedSvg11Document) {
  const auto svg = startup_svg(sample());
  EXPECT_EQ(svg.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg ", 0), 0u);
  EXPECT_TRUE(contains(svg, R"(xmlns="http://www.w3.org/2000/svg" version="1.1")"));
  EXPECT_EQ(xml_problem(svg), "");
  // Works offline: nothing is fetched.
  EXPECT_FALSE(contains(svg, "href"));
  EXPECT_FALSE(contains(svg, "@import"));
  EXPECT_FALSE(contains(svg, "<script"));
}

TEST(StartupSvg, XmllintAcceptsIt) {
  if (std::system("command -v xmllint >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "xmllint is not installed (Debian: libxml2-utils)";
  testing::TempDir dir;
  const auto path = dir.path() / "startup.svg";
  std::ofstream(path) << startup_svg(sample());
  EXPECT_EQ(std::system(("xmllint --noout " + path.string()).c_str()), 0);
}

TEST(StartupSvg, RowsFollowLoadBeginThenNameAndAgentsNeverLoadedComeLast) {
  const auto rows = rows_of(startup_svg(sample()));
  std::vector<std::string> names;
  for (const auto& row : rows) names.push_back(row.name);
  EXPECT_EQ(names,
            (std::vector<std::string>{"broker", "modem", "cache", "store", "api", "uplink"}));
}

TEST(StartupSvg, DrawsOneBarPerPhaseInPhaseOrder) {
  const auto rows = rows_of(startup_svg(sample()));
  for (const char* name : {"broker", "cache", "store", "api"}) {
    const auto& row = row_named(rows, name);
    ASSERT_EQ(row.bar_classes.size(), 3u) << name;
    EXPECT_EQ(row.bar_classes[0].rfind("load", 0), 0u) << name;
    EXPECT_EQ(row.bar_classes[1].rfind("configure", 0), 0u) << name;
    EXPECT_EQ(row.bar_classes[2].rfind("start", 0), 0u) << name;
  }
  // store's start phase: 102..400 ms.
  EXPECT_TRUE(contains(row_named(rows, "store").body, "store start: 298ms (from 102ms to 400ms)"));
}

TEST(StartupSvg, HasALegendForThePhasesAndMarks) {
  const auto svg = startup_svg(sample());
  for (const char* label :
       {"load (dlopen, construct)", "configure()", "start() until ready", "critical chain",
        ">failed<", ">blocked<"})
    EXPECT_TRUE(contains(svg, label)) << label;
  for (const char* fill : {".load { fill:", ".configure { fill:", ".start { fill:"})
    EXPECT_TRUE(contains(svg, fill)) << fill;
}

TEST(StartupSvg, OutlinesExactlyTheCriticalChain) {
  const auto rows = rows_of(startup_svg(sample()));
  for (const auto& row : rows) {
    const bool expected = row.name == "broker" || row.name == "store" || row.name == "api";
    EXPECT_EQ(contains(row.classes, "chain"), expected) << row.name;
    EXPECT_EQ(row.name_class == "name chain-name", expected) << row.name;
    for (const auto& bar : row.bar_classes)
      EXPECT_EQ(contains(bar, " chain"), expected) << row.name << ": " << bar;
  }
  EXPECT_TRUE(contains(startup_svg(sample()),
                       "Critical chain (outlined): broker \u2192 store \u2192 api"));
}

TEST(StartupSvg, HeadingGivesTheTotalStartupTime) {
  const auto svg = startup_svg(sample());
  EXPECT_TRUE(contains(svg, ">Start-up of edge-01: 450ms</text>")) << svg.substr(0, 1500);
  EXPECT_TRUE(contains(svg, "6 agents: 4 ready, 1 failed, 1 blocked"));
}

TEST(StartupSvg, FailedAndBlockedAgentsShowStateReasonAndMark) {
  const auto rows = rows_of(startup_svg(sample()));
  const auto& modem = row_named(rows, "modem");
  EXPECT_TRUE(contains(modem.classes, "failed"));
  EXPECT_TRUE(contains(modem.body, "<title>modem (failed): start() threw: no SIM; load 20ms"));
  EXPECT_TRUE(contains(modem.body, "class=\"failed-mark\""));
  EXPECT_TRUE(contains(modem.body, "class=\"failed-note\">failed: start() threw: no SIM</text>"));
  ASSERT_EQ(modem.bar_classes.size(), 1u) << "the load it failed in, up to the failure";
  EXPECT_EQ(modem.bar_classes[0], "load unfinished");

  const auto& uplink = row_named(rows, "uplink");
  EXPECT_TRUE(contains(uplink.classes, "blocked"));
  EXPECT_TRUE(uplink.bar_classes.empty());
  EXPECT_TRUE(contains(uplink.body, "class=\"blocked-mark\""));
  EXPECT_TRUE(contains(uplink.body,
                       "<title>uplink (blocked): dependency &apos;modem&apos; failed</title>"));
  EXPECT_TRUE(contains(uplink.body, "blocked: dependency &apos;modem&apos; failed</text>"));
}

TEST(StartupSvg, EscapesNamesAndReasons) {
  auto snapshot = sample();
  snapshot.agents[0].name = R"(broker<&"x")";
  snapshot.agents[2].dependencies = {snapshot.agents[0].name};
  snapshot.agents[4].reason = R"(threw <bad_alloc> & "more")";
  const auto svg = startup_svg(snapshot);
  EXPECT_EQ(xml_problem(svg), "");
  EXPECT_FALSE(contains(svg, "broker<"));
  EXPECT_FALSE(contains(svg, "<bad_alloc>"));
  const auto rows = rows_of(svg);
  EXPECT_EQ(row_named(rows, "broker&lt;&amp;&quot;x&quot;").name_class, "name chain-name");
  EXPECT_TRUE(contains(svg, "threw &lt;bad_alloc&gt; &amp; &quot;more&quot;"));
}

TEST(StartupSvg, TimeAxisHasGridlinesAndTickLabelsAboveAndBelow) {
  const auto svg = startup_svg(sample());
  // 450 ms in steps of 50: ticks 0, 50, ..., 450.
  std::size_t grid_lines = 0;
  for (auto at = svg.find("class=\"grid\""); at != std::string::npos;
       at = svg.find("class=\"grid\"", at + 1))
    ++grid_lines;
  EXPECT_EQ(grid_lines, 10u);
  for (const char* label : {">0<", ">50ms<", ">250ms<", ">450ms<"}) {
    const auto first = svg.find(label);
    ASSERT_NE(first, std::string::npos) << label;
    EXPECT_NE(svg.find(label, first + 1), std::string::npos) << label << " only once";
  }
  EXPECT_FALSE(contains(svg, ">500ms<"));
}

TEST(StartupSvg, StaysReadableForEightyFourAgents) {
  HostSnapshot snapshot;
  snapshot.host_name = "all";
  snapshot.startup_completed_at = 336;
  const std::string long_name(60, 'n');
  for (int i = 0; i < 84; ++i) {
    std::string name = i == 0 ? long_name : "agent_" + std::to_string(100 + i);
    snapshot.agents.push_back(ready_agent(name, i * 3.0, i * 3.0 + 30));
  }
  const auto svg = startup_svg(snapshot);
  EXPECT_EQ(xml_problem(svg), "");
  EXPECT_EQ(rows_of(svg).size(), 84u);
  // 98 px of heading, legend and axis, 17 px per row, 22 px for the lower axis.
  EXPECT_TRUE(contains(svg, R"(width="1200" height="1548" viewBox="0 0 1200 1548")"));
  EXPECT_TRUE(contains(svg, "font-size: 11px"));
  EXPECT_TRUE(contains(svg, ">" + std::string(37, 'n') + "\u2026</text>"));
  EXPECT_TRUE(contains(svg, "<title>" + long_name + " (ready)")) << "the full name in the tooltip";
}

TEST(StartupSvg, AnAgentStillStartingIsDrawnUpToTheSnapshot) {
  HostSnapshot snapshot;
  snapshot.host_name = "edge-01";
  snapshot.uptime_ms = 80;
  AgentSnapshot slow;
  slow.name = "slow";
  slow.state = AgentState::starting;
  slow.timings.load_begin = 0;
  slow.timings.configure_begin = 5;
  slow.timings.start_begin = 10;
  snapshot.agents.push_back(slow);
  const auto svg = startup_svg(snapshot);
  EXPECT_TRUE(contains(svg, ">Start-up of edge-01: still running after 80ms</text>"));
  const auto rows = rows_of(svg);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].bar_classes,
            (std::vector<std::string>{"load", "configure", "start unfinished"}));
  EXPECT_TRUE(contains(rows[0].body, "slow start: 70ms (from 10ms to 80ms)"));
}

TEST(StartupSvg, AnEmptySnapshotSaysNothingStarted) {
  HostSnapshot snapshot;
  snapshot.host_name = "edge-01";
  auto svg = startup_svg(snapshot);
  EXPECT_EQ(xml_problem(svg), "");
  EXPECT_TRUE(contains(svg, R"(xmlns="http://www.w3.org/2000/svg")"));
  EXPECT_TRUE(contains(svg, "Nothing started: no agents are configured"));
  EXPECT_TRUE(contains(svg, R"(height="60")"));
  EXPECT_TRUE(rows_of(svg).empty());

  AgentSnapshot waiting;
  waiting.name = "waiting";
  snapshot.agents.push_back(waiting);
  svg = startup_svg(snapshot);
  EXPECT_EQ(xml_problem(svg), "");
  EXPECT_TRUE(contains(svg, "Nothing has started yet: none of the 1 agents has begun loading."));
}

}  // namespace
}  // namespace agenthost::control
