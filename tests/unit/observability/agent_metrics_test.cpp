// ctx.metrics(): an agent's own metrics, in the host's registry with agent="NAME" set.

#include "observability/agent_metrics.hpp"

#include <stdexcept>

#include <gtest/gtest.h>

#include "exposition_reader.hpp"
#include "observability/host_metrics.hpp"

namespace agenthost::observability {
namespace {

using testing::sample;

TEST(AgentMetricsTest, SeriesCarryTheAgentLabelAndAreSharedByName) {
  HostMetrics host;
  AgentMetrics a_impl(host.agent_families(), "A"), b_impl(host.agent_families(), "B");
  Metrics& a = a_impl;  // as a plugin sees it, with the interface's default arguments
  Metrics& b = b_impl;
  auto& tokens_a = a.counter("model_tokens_total", "Tokens produced", {{"model", "small"}});
  auto& tokens_b = b.counter("model_tokens_total", "Tokens produced", {{"model", "small"}});
  EXPECT_NE(&tokens_a, &tokens_b);
  EXPECT_EQ(&tokens_a, &a.counter("model_tokens_total", "Tokens produced", {{"model", "small"}}));
  tokens_a.Increment(5);
  tokens_b.Increment(2);
  a.gauge("queue_depth", "Items waiting").Set(7);
  a.histogram("inference_seconds", "Time per inference", {0.01, 0.1, 1}).Observe(0.05);

  const auto text = host.exposition();
  EXPECT_EQ(sample(text, "model_tokens_total", {{"agent", "A"}, {"model", "small"}}), 5);
  EXPECT_EQ(sample(text, "model_tokens_total", {{"agent", "B"}, {"model", "small"}}), 2);
  EXPECT_EQ(sample(text, "queue_depth", {{"agent", "A"}}), 7);
  EXPECT_EQ(sample(text, "inference_seconds_bucket", {{"agent", "A"}, {"le", "0.1"}}), 1);
  EXPECT_EQ(sample(text, "inference_seconds_bucket", {{"agent", "A"}, {"le", "0.01"}}), 0);
}

TEST(AgentMetricsTest, MistakesAreRefusedWithTheReason) {
  HostMetrics host;
  AgentMetrics a_impl(host.agent_families(), "A");
  Metrics& a = a_impl;
  a.counter("jobs_total", "Jobs done");
  auto refused = [&](auto&& make, const std::string& part) {
    try {
      make();
      ADD_FAILURE() << "accepted; expected an error containing: " << part;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
    }
  };
  refused([&] { a.gauge("jobs_total", "Jobs done"); }, "another type");
  refused([&] { a.counter("jobs_total", "Something else"); }, "one name, one meaning");
  refused([&] { a.counter("2fast", "x"); }, "not a valid Prometheus metric name");
  refused([&] { a.counter("agenthost_jobs", "x"); }, "reserved");
  refused([&] { a.counter("agent_requests_total", "x"); }, "reserved");
  refused([&] { a.counter("jobs_total", "Jobs done", {{"agent", "B"}}); }, "set by the host");
  refused([&] { a.counter("jobs_total", "Jobs done", {{"bad-label", "x"}}); }, "label name");
  refused([&] { a.histogram("latency_seconds", "x", {1, 0.1}); }, "must ascend");
}

}  // namespace
}  // namespace agenthost::observability
