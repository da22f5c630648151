#include "errors/error_bus.hpp"

#include <gtest/gtest.h>

#include "errors/log_rate_limit.hpp"

namespace agenthost::errors {
namespace {

struct Recorded {
  std::vector<ErrorEvent> counted, forwarded;
};

TEST(ErrorBus, ALocalEventIsKeptCountedAndForwardedWithTimeAndMachine) {
  prometheus::Registry registry;
  Recorded seen;
  ErrorBus bus("main_pc", 10, registry, [&](const ErrorEvent& e) { seen.counted.push_back(e); });
  bus.set_forward([&](const ErrorEvent& e) { seen.forwarded.push_back(e); });

  bus.report("uplink", "send", Severity::warning, "slow link", {{"ms", "900"}});
  auto r = bus.query({});
  ASSERT_EQ(r.events.size(), 1u);
  const auto& e = r.events[0];
  EXPECT_EQ(e.machine, "main_pc");
  EXPECT_EQ(e.agent, "uplink");
  EXPECT_EQ(e.method, "send");
  EXPECT_EQ(e.severity, Severity::warning);
  EXPECT_EQ(e.fields.at("ms"), "900");
  EXPECT_GT(e.time_ms, 1'700'000'000'000) << "wall-clock milliseconds";
  EXPECT_FALSE(e.remote);
  ASSERT_EQ(seen.counted.size(), 1u);
  ASSERT_EQ(seen.forwarded.size(), 1u);
  EXPECT_EQ(seen.forwarded[0].message, "slow link");
}

TEST(ErrorBus, RemoteEventsAreKeptButNeitherCountedPerAgentNorForwardedAgain) {
  prometheus::Registry registry;
  Recorded seen;
  ErrorBus bus("main_pc", 10, registry, [&](const ErrorEvent& e) { seen.counted.push_back(e); });
  bus.set_forward([&](const ErrorEvent& e) { seen.forwarded.push_back(e); });
  ErrorEvent remote;
  remote.machine = "pc2";
  remote.agent = "SpeechAgent";
  remote.message = "from far away";
  remote.time_ms = 5;
  bus.record_remote({remote});

  auto r = bus.query({});
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_TRUE(r.events[0].remote);
  EXPECT_EQ(r.events[0].machine, "pc2");
  EXPECT_EQ(r.events[0].time_ms, 5) << "the sender's time is kept";
  EXPECT_TRUE(seen.counted.empty());
  EXPECT_TRUE(seen.forwarded.empty());
}

TEST(ErrorBus, AHandlerExceptionBecomesAnErrorWithTheMethod) {
  prometheus::Registry registry;
  ErrorBus bus("m", 10, registry, {});
  messaging::HandlerErrorSink& sink = bus;
  sink.handler_failed("echo", "fail", "boom");
  auto r = bus.query({});
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.events[0].agent, "echo");
  EXPECT_EQ(r.events[0].method, "fail");
  EXPECT_EQ(r.events[0].severity, Severity::error);
  EXPECT_EQ(r.events[0].message, "handler threw: boom");
}

TEST(ErrorBus, TheAgentsReporterPresetsItsName) {
  prometheus::Registry registry;
  ErrorBus bus("m", 10, registry, {});
  AgentErrorReporter reporter(bus, "ModelManagerAgent");
  ErrorReporter& api = reporter;
  api.report(Severity::critical, "out of GPU memory", {{"gpu", "1"}});
  auto r = bus.query({});
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.events[0].agent, "ModelManagerAgent");
  EXPECT_EQ(r.events[0].method, "");
  EXPECT_EQ(r.events[0].severity, Severity::critical);
}

TEST(LogRateLimit, AllowsABurstThenTheRateAndCountsWhatItRefused) {
  LogRateLimit limit(10, 3);
  const auto t0 = LogRateLimit::Clock::now();
  int allowed = 0;
  for (int i = 0; i < 10; ++i) allowed += limit.allow(t0);
  EXPECT_EQ(allowed, 3);
  EXPECT_EQ(limit.take_suppressed(), 7u);
  EXPECT_EQ(limit.take_suppressed(), 0u);
  EXPECT_TRUE(limit.allow(t0 + std::chrono::milliseconds(100))) << "one token back after 1/rate";
  EXPECT_FALSE(limit.allow(t0 + std::chrono::milliseconds(100)));
}

}  // namespace
}  // namespace agenthost::errors
