#include "control/snapshot_json.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace agenthost::control {
namespace {

using runtime::AgentSnapshot;
using runtime::AgentState;
using runtime::HostSnapshot;

HostSnapshot sample() {
  HostSnapshot s;
  s.host_name = "edge-01";
  s.version = "0.1.0";
  s.pid = 4242;
  s.uptime_ms = 81234.5;
  s.startup_finished = true;
  s.startup_completed_at = 4213.25;
  s.log_level = "warn";

  AgentSnapshot broker;
  broker.name = "broker";
  broker.machine = "edge-01";
  broker.plugin = "broker";
  broker.plugin_file = "/usr/lib/agenthost/plugins/broker.so";
  broker.state = AgentState::ready;
  broker.state_since = 734.5;
  broker.health = HealthStatus::degraded;
  broker.health_detail = "queue 92% full";
  broker.health_checked_at = 80000;
  broker.restarts = 2;
  broker.expected_start_ms = 500;
  broker.timings = {0.5, 10.25, 20.0, 734.5};
  broker.log_level = "debug";

  AgentSnapshot uplink;
  uplink.name = "uplink";
  uplink.machine = "edge-01";
  uplink.plugin = "uplink";
  uplink.state = AgentState::blocked;
  uplink.reason = "dependency 'modem' failed";
  uplink.blocked_by = "modem";
  uplink.dependencies = {"broker", "modem"};
  uplink.log_level = "info";
  s.agents = {broker, uplink};
  return s;
}

void expect_same(const AgentSnapshot& a, const AgentSnapshot& b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.machine, b.machine);
  EXPECT_EQ(a.plugin, b.plugin);
  EXPECT_EQ(a.plugin_file, b.plugin_file);
  EXPECT_EQ(a.state, b.state);
  EXPECT_EQ(a.reason, b.reason);
  EXPECT_EQ(a.blocked_by, b.blocked_by);
  EXPECT_EQ(a.state_since, b.state_since);
  EXPECT_EQ(a.health, b.health);
  EXPECT_EQ(a.health_detail, b.health_detail);
  EXPECT_EQ(a.health_checked_at, b.health_checked_at);
  EXPECT_EQ(a.restarts, b.restarts);
  EXPECT_EQ(a.dependencies, b.dependencies);
  EXPECT_EQ(a.expected_start_ms, b.expected_start_ms);
  EXPECT_EQ(a.timings.load_begin, b.timings.load_begin);
  EXPECT_EQ(a.timings.configure_begin, b.timings.configure_begin);
  EXPECT_EQ(a.timings.start_begin, b.timings.start_begin);
  EXPECT_EQ(a.timings.ready_at, b.timings.ready_at);
  EXPECT_EQ(a.log_level, b.log_level);
}

TEST(SnapshotJson, RoundTripKeepsEveryField) {
  const HostSnapshot original = sample();
  // Through text, as on the socket.
  const HostSnapshot back = snapshot_from_json(nlohmann::json::parse(to_json(original).dump()));
  EXPECT_EQ(back.host_name, original.host_name);
  EXPECT_EQ(back.version, original.version);
  EXPECT_EQ(back.pid, original.pid);
  EXPECT_EQ(back.uptime_ms, original.uptime_ms);
  EXPECT_EQ(back.startup_finished, original.startup_finished);
  EXPECT_EQ(back.startup_completed_at, original.startup_completed_at);
  EXPECT_EQ(back.log_level, original.log_level);
  ASSERT_EQ(back.agents.size(), 2u);
  expect_same(back.agents[0], original.agents[0]);
  expect_same(back.agents[1], original.agents[1]);
}

TEST(SnapshotJson, UsesTheDocumentedNames) {
  const auto json = to_json(sample());
  EXPECT_EQ(json["host"], "edge-01");
  EXPECT_EQ(json["startup_completed_ms"], 4213.25);
  const auto& broker = json["agents"][0];
  EXPECT_EQ(broker["state"], "ready");
  EXPECT_EQ(broker["health"], "degraded");
  EXPECT_EQ(broker["timings"]["ready_ms"], 734.5);
  EXPECT_EQ(broker["log_level"], "debug");
  EXPECT_EQ(json["log_level"], "warn");
  const auto& uplink = json["agents"][1];
  EXPECT_EQ(uplink["state"], "blocked");
  EXPECT_EQ(uplink["blocked_by"], "modem");
  EXPECT_TRUE(uplink["timings"]["load_begin_ms"].is_null());
  EXPECT_TRUE(uplink["health_checked_ms"].is_null());
}

TEST(SnapshotJson, MissingFieldsKeepDefaultsAndUnknownFieldsAreIgnored) {
  const auto back = snapshot_from_json(nlohmann::json::parse(
      R"({"agents": [{"name": "a", "state": "starting", "from_the_future": 1}], "new": true})"));
  ASSERT_EQ(back.agents.size(), 1u);
  EXPECT_EQ(back.agents[0].state, AgentState::starting);
  EXPECT_FALSE(back.agents[0].timings.ready_at.has_value());
  EXPECT_FALSE(back.startup_finished);
}

TEST(SnapshotJson, BadValuesNameTheAgentAndField) {
  try {
    snapshot_from_json(nlohmann::json::parse(R"({"agents": [{"name": "a", "state": "dancing"}]})"));
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("agent 'a': unknown state 'dancing'"), std::string::npos)
        << e.what();
  }
  try {
    snapshot_from_json(nlohmann::json::parse(R"({"agents": [{"name": "b", "restarts": "x"}]})"));
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("agent 'b': field 'restarts'"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(snapshot_from_json(nlohmann::json::array()), std::invalid_argument);
}

}  // namespace
}  // namespace agenthost::control
