// The request metrics of an agent, counted by the host for every call: in-host calls through
// AgentClient and the handler outcomes the wire protocol knows.

#include "observability/request_metrics.hpp"

#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "exposition_reader.hpp"
#include "../messaging/messaging_test_support.hpp"
#include "messaging/agent_client.hpp"
#include "messaging/messaging_host.hpp"
#include "observability/host_metrics.hpp"

namespace agenthost::observability {
namespace {

using namespace std::chrono_literals;
using testing::sample;

class RequestMetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    messaging::MessagingOptions options;
    options.machine = "m1";
    options.workers = 2;
    host_ = std::make_unique<messaging::MessagingHost>(options);
    ASSERT_EQ(host_->start(), std::nullopt);
    auto endpoint = host_->endpoint("B", 1);
    endpoint->set_observer(metrics_.requests().observer_for("B"));
    endpoint->serve("echo", [](Request& r) { return r.payload; });
    endpoint->serve("fail", [](Request&) -> std::string { throw std::runtime_error("kaputt"); });
    host_->agent_ready("B");
  }

  HostMetrics metrics_;
  std::unique_ptr<messaging::MessagingHost> host_;
};

TEST_F(RequestMetricsTest, EveryOutcomeIsCountedByMethodAndStatus) {
  messaging::AgentClient client(*host_, "A", "B");
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(client.call("echo", "x", 2s).ok());
  EXPECT_EQ(client.call("fail", "", 2s).code, 500);
  EXPECT_EQ(client.call("no-such-method", "", 2s).code, 404);
  // A call that reaches B's endpoint after B stopped (an in-host client learns it from the
  // registry first; a socket caller does not).
  host_->agent_gone("B", "stopping", 1s);
  auto refused = std::make_shared<messaging::msgtest::TestCall>("echo");
  host_->find_endpoint("B")->submit(refused);
  ASSERT_TRUE(refused->wait_done());
  EXPECT_EQ(refused->status(), 503);

  const auto text = metrics_.exposition();
  EXPECT_EQ(sample(text, "agent_requests_total", {{"agent", "B"}, {"method", "echo"}, {"status", "200"}}), 3);
  EXPECT_EQ(sample(text, "agent_requests_total", {{"agent", "B"}, {"method", "fail"}, {"status", "500"}}), 1);
  // A method nobody serves is not a label value: callers choose that text.
  EXPECT_EQ(sample(text, "agent_requests_total", {{"agent", "B"}, {"method", "(unknown)"}, {"status", "404"}}), 1);
  EXPECT_EQ(text.find("no-such-method"), std::string::npos);
  EXPECT_EQ(sample(text, "agent_requests_total", {{"agent", "B"}, {"method", "echo"}, {"status", "503"}}), 1);
  // Handler time: the three echoes and the failing call ran a handler; 404 and 503 did not.
  EXPECT_EQ(sample(text, "agent_request_duration_seconds_count", {{"agent", "B"}, {"method", "echo"}}), 3);
  EXPECT_EQ(sample(text, "agent_request_duration_seconds_count", {{"agent", "B"}, {"method", "fail"}}), 1);
  EXPECT_EQ(sample(text, "agent_request_duration_seconds_count", {{"method", "(unknown)"}}), std::nullopt);
}

TEST_F(RequestMetricsTest, ACallWhoseCallerGaveUpIsCounted504WithoutHandlerTime) {
  auto gate = std::make_shared<std::promise<void>>();
  auto opened = gate->get_future().share();
  host_->endpoint("B", 1)->serve("wait", [opened](Request&) {
    opened.wait_for(2s);
    return std::string("done");
  });
  messaging::AgentClient client(*host_, "A", "B");
  auto slow = client.call_async("wait", "", 2s);   // holds B's only slot
  auto late = client.call_async("echo", "", 30ms);  // queued behind it until its deadline
  ASSERT_EQ(late.wait_for(2s), std::future_status::ready);
  EXPECT_EQ(late.get().status, CallStatus::timeout);
  gate->set_value();
  ASSERT_EQ(slow.wait_for(2s), std::future_status::ready);
  // The expired call reaches the handler side only when B's slot frees: wait for its count.
  const auto deadline = std::chrono::steady_clock::now() + 2s;
  std::optional<double> expired;
  while (!(expired = sample(metrics_.exposition(), "agent_requests_total",
                            {{"agent", "B"}, {"method", "echo"}, {"status", "504"}})) &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(1ms);
  EXPECT_EQ(expired, 1);
  EXPECT_EQ(sample(metrics_.exposition(), "agent_request_duration_seconds_count",
                   {{"agent", "B"}, {"method", "echo"}}),
            std::nullopt);
}

TEST(RequestMetricsObserver, HandlerTimeLandsInItsBucketAndTheSum) {
  HostMetrics metrics;
  auto observer = metrics.requests().observer_for("X");
  observer->observe("m", 200, 10us);                        // on a bound: that bucket (le)
  observer->observe("m", 200, 10us + 1ns);                  // just above it: the next one
  observer->observe("m", 500, 20s);                         // above every bound: +Inf only
  observer->observe("m", 404, messaging::kNoHandlerTime);  // counted, but no handler time
  const auto text = metrics.exposition();
  const auto bucket = [&](const std::string& le) {
    return sample(text, "agent_request_duration_seconds_bucket",
                  {{"agent", "X"}, {"method", "m"}, {"le", le}});
  };
  EXPECT_EQ(bucket("1e-05"), 1);
  EXPECT_EQ(bucket("2.5e-05"), 2);
  EXPECT_EQ(bucket("10"), 2);
  EXPECT_EQ(bucket("+Inf"), 3);
  EXPECT_EQ(sample(text, "agent_request_duration_seconds_count", {{"agent", "X"}}), 3);
  const auto sum = sample(text, "agent_request_duration_seconds_sum", {{"agent", "X"}});
  ASSERT_TRUE(sum);
  EXPECT_NEAR(*sum, 20.000020001, 1e-9);
  EXPECT_EQ(sample(text, "agent_requests_total", {{"agent", "X"}, {"status", "404"}}), 1);
  EXPECT_EQ(sample(text, "agent_requests_total", {{"agent", "X"}, {"status", "200"}}), 2);
}

TEST(RequestMetricsObserver, CountsFromManyThreadsAddUp) {
  // Threads count in copies of their own (shards); a scrape adds them up.
  HostMetrics metrics;
  auto observer = metrics.requests().observer_for("X");
  constexpr int kThreads = 9, kEach = 2000;  // more threads than copies
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        observer->observe("m", 200, 1ms);
        observer->observe("m", 500, 1ms);
        observer->observe("m", 503, messaging::kNoHandlerTime);
      }
    });
  for (auto& t : threads) t.join();
  const auto text = metrics.exposition();
  const double n = kThreads * kEach;
  EXPECT_EQ(sample(text, "agent_requests_total", {{"agent", "X"}, {"status", "200"}}), n);
  EXPECT_EQ(sample(text, "agent_requests_total", {{"agent", "X"}, {"status", "500"}}), n);
  EXPECT_EQ(sample(text, "agent_requests_total", {{"agent", "X"}, {"status", "503"}}), n);
  EXPECT_EQ(sample(text, "agent_request_duration_seconds_count", {{"agent", "X"}}), 2 * n);
  EXPECT_EQ(sample(text, "agent_request_duration_seconds_bucket", {{"agent", "X"}, {"le", "0.001"}}), 2 * n);
  EXPECT_NEAR(sample(text, "agent_request_duration_seconds_sum", {{"agent", "X"}}).value_or(0), 2 * n * 0.001, 1e-6);
}

TEST(RequestMetricsObserver, AForwardingAgentsMethodsAreBoundedInNumber) {
  HostMetrics metrics;
  auto observer = metrics.requests().observer_for("X");
  for (int i = 0; i < 300; ++i) observer->observe("method_" + std::to_string(i), 200, 1us);
  const auto text = metrics.exposition();
  EXPECT_EQ(sample(text, "agent_requests_total", {{"agent", "X"}, {"method", "method_255"}}), 1);
  EXPECT_FALSE(sample(text, "agent_requests_total", {{"agent", "X"}, {"method", "method_256"}}));
  EXPECT_EQ(sample(text, "agent_requests_total", {{"agent", "X"}, {"method", "(other)"}}), 44);
}

TEST(RequestDurationBuckets, AscendFromMicrosecondsToSeconds) {
  const auto& buckets = request_duration_buckets();
  ASSERT_FALSE(buckets.empty());
  EXPECT_TRUE(std::is_sorted(buckets.begin(), buckets.end()));
  EXPECT_LE(buckets.front(), 0.00001);
  EXPECT_GE(buckets.back(), 10);
}

}  // namespace
}  // namespace agenthost::observability
