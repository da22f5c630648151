// Families as JSON (agenthost.metrics) and their merge into the host's exposition: what an
// isolated agent's child sends is what its host serves.

#include "observability/metric_families_json.hpp"

#include <cmath>

#include <gtest/gtest.h>

#include "exposition_reader.hpp"
#include "observability/agent_metrics.hpp"
#include "observability/family_merge.hpp"
#include "observability/host_metrics.hpp"

namespace agenthost::observability {
namespace {

using testing::sample;

std::vector<prometheus::MetricFamily> families_of(const std::string& json) {
  auto read = families_from_json(json);
  if (auto* error = std::get_if<std::string>(&read)) ADD_FAILURE() << *error;
  auto* families = std::get_if<std::vector<prometheus::MetricFamily>>(&read);
  return families ? *families : std::vector<prometheus::MetricFamily>{};
}

TEST(MetricFamiliesJson, OneAgentsFamiliesTravelWhole) {
  HostMetrics child;
  AgentMetrics far_impl(child.agent_families(), "Far"), other_impl(child.agent_families(), "Other");
  Metrics& far = far_impl;  // as a plugin sees it, with the interface's default arguments
  Metrics& other = other_impl;
  far.counter("tokens_total", "Tokens", {{"model", "small"}}).Increment(3);
  other.counter("tokens_total", "Tokens", {{"model", "small"}}).Increment(100);
  far.gauge("queue_depth", "Items waiting").Set(-2.5);
  auto& seconds = far.histogram("inference_seconds", "Time per inference", {0.01, 0.1});
  seconds.Observe(0.05);
  seconds.Observe(7);
  other.gauge("only_other", "Not Far's").Set(1);

  const auto families = families_of(to_json(child.agent_families().collect("Far")));
  ASSERT_EQ(families.size(), 3u);  // only_other has no series of Far's
  HostMetrics host;
  host.set_children([&] { return families; });
  const auto text = host.exposition();
  EXPECT_EQ(sample(text, "tokens_total", {{"agent", "Far"}, {"model", "small"}}), 3);
  EXPECT_FALSE(sample(text, "tokens_total", {{"agent", "Other"}})) << "another agent's series came along";
  EXPECT_EQ(sample(text, "queue_depth", {{"agent", "Far"}}), -2.5);
  EXPECT_EQ(sample(text, "inference_seconds_bucket", {{"agent", "Far"}, {"le", "0.01"}}), 0);
  EXPECT_EQ(sample(text, "inference_seconds_bucket", {{"agent", "Far"}, {"le", "0.1"}}), 1);
  EXPECT_EQ(sample(text, "inference_seconds_bucket", {{"agent", "Far"}, {"le", "+Inf"}}), 2);
  EXPECT_EQ(sample(text, "inference_seconds_count", {{"agent", "Far"}}), 2);
  EXPECT_DOUBLE_EQ(sample(text, "inference_seconds_sum", {{"agent", "Far"}}).value_or(0), 7.05);
  EXPECT_EQ(text.find("only_other"), std::string::npos);
}

TEST(MetricFamiliesJson, ALabelValueThatIsNotUtf8IsReplacedNotThrown) {
  HostMetrics child;
  AgentMetrics far_impl(child.agent_families(), "Far");
  Metrics& far = far_impl;
  far.counter("files_total", "Files", {{"name", "caf\xe9"}}).Increment();  // Latin-1, not UTF-8
  const auto families = families_of(to_json(child.agent_families().collect("Far")));
  ASSERT_EQ(families.size(), 1u);
  ASSERT_EQ(families[0].metric.size(), 1u);
  EXPECT_EQ(families[0].metric[0].counter.value, 1);
}

TEST(MetricFamiliesJson, AFamilyTheHostHasGetsTheChildsSeries) {
  HostMetrics host;
  AgentMetrics near_impl(host.agent_families(), "Near");
  Metrics& near = near_impl;
  near.counter("tokens_total", "Tokens").Increment(5);
  host.set_children([] {
    return families_of(R"([{"name":"tokens_total","help":"Tokens","type":"counter",
                           "metrics":[{"labels":{"agent":"Far"},"value":2}]}])");
  });
  const auto text = host.exposition();
  EXPECT_EQ(sample(text, "tokens_total", {{"agent", "Near"}}), 5);
  EXPECT_EQ(sample(text, "tokens_total", {{"agent", "Far"}}), 2);
  std::size_t types = 0;
  for (auto at = text.find("# TYPE tokens_total "); at != std::string::npos; at = text.find("# TYPE tokens_total ", at + 1))
    ++types;
  EXPECT_EQ(types, 1u) << text;
}

TEST(MetricFamiliesJson, WhatAnAgentMayNotNameIsLeftOutWithTheReason) {
  std::vector<prometheus::MetricFamily> host = families_of(
      R"([{"name":"queue_depth","help":"h","type":"gauge","metrics":[{"labels":{"agent":"Near"},"value":1}]}])");
  const auto left_out = merge_families(host, families_of(R"([
      {"name":"agent_requests_total","help":"h","type":"counter","metrics":[{"labels":{},"value":1}]},
      {"name":"agenthost_anything","help":"h","type":"counter","metrics":[{"labels":{},"value":1}]},
      {"name":"bad name","help":"h","type":"counter","metrics":[{"labels":{},"value":1}]},
      {"name":"ok_total","help":"h","type":"counter","metrics":[{"labels":{"bad label":"x"},"value":1}]},
      {"name":"queue_depth","help":"h","type":"counter","metrics":[{"labels":{"agent":"Far"},"value":1}]},
      {"name":"fine_total","help":"h","type":"counter","metrics":[{"labels":{"agent":"Far"},"value":1}]}])"));
  ASSERT_EQ(left_out.size(), 5u);
  EXPECT_NE(left_out[0].find("agent_requests_total"), std::string::npos);
  EXPECT_NE(left_out[4].find("another type"), std::string::npos);
  ASSERT_EQ(host.size(), 2u);
  EXPECT_EQ(host[0].metric.size(), 1u);  // the gauge kept only its own series
  EXPECT_EQ(host[1].name, "fine_total");
}

TEST(MetricFamiliesJson, MalformedTextIsAnErrorNotAThrow) {
  for (const char* text : {"", "{}", "[1]", R"([{"name":"x"}])", R"([{"name":"x","help":"","type":"counter",
       "metrics":[{"labels":{"a":1},"value":1}]}])", "[{\"name\":"}) {
    EXPECT_TRUE(std::holds_alternative<std::string>(families_from_json(text))) << text;
  }
  // A type ctx.metrics() does not make is skipped, not refused.
  EXPECT_TRUE(families_of(R"([{"name":"s","help":"","type":"summary","metrics":[]}])").empty());
}

}  // namespace
}  // namespace agenthost::observability
