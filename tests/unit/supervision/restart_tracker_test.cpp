// The restart policy's arithmetic: exponential back-off with jitter and a cap, and the start
// limit (burst within interval). Time and randomness are the test's.

#include <gtest/gtest.h>

#include "supervision/restart_tracker.hpp"

namespace agenthost::supervision {
namespace {

using namespace std::chrono_literals;
using Clock = RestartTracker::Clock;

config::RestartBackoffSpec backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max,
                                   double jitter = 0.0) {
  return {initial, max, jitter};
}

config::StartLimitSpec limit(int burst, std::chrono::milliseconds interval) { return {burst, interval}; }

RestartTracker::Random fixed(double value) {
  return [value] { return value; };
}

TEST(RestartTrackerTest, BackOffDoublesFromInitialUpToTheCap) {
  RestartTracker t(backoff(100ms, 1000ms), limit(100, 60s), fixed(0.5));
  const auto t0 = Clock::time_point{};
  std::vector<long> delays;
  for (int i = 0; i < 6; ++i) delays.push_back(long(t.on_failure(t0 + std::chrono::seconds(i)).delay.count()));
  EXPECT_EQ(delays, (std::vector<long>{100, 200, 400, 800, 1000, 1000}));
}

TEST(RestartTrackerTest, JitterSpreadsTheDelayBothWaysButNeverPastTheCap) {
  const auto t0 = Clock::time_point{};
  RestartTracker low(backoff(1000ms, 10s, 0.2), limit(100, 60s), fixed(0.0));
  EXPECT_EQ(low.on_failure(t0).delay, 800ms);
  RestartTracker high(backoff(1000ms, 10s, 0.2), limit(100, 60s), fixed(0.999999));
  EXPECT_EQ(high.on_failure(t0).delay, 1200ms);
  RestartTracker capped(backoff(1000ms, 1000ms, 0.5), limit(100, 60s), fixed(0.999999));
  EXPECT_EQ(capped.on_failure(t0).delay, 1000ms);
}

TEST(RestartTrackerTest, TheDefaultRandomSourceStaysWithinTheJitter) {
  RestartTracker t(backoff(1000ms, 60s, 0.2), limit(1000, 60s));
  for (int i = 0; i < 100; ++i) {
    t.on_recovered();
    auto d = t.on_failure(Clock::time_point{} + std::chrono::milliseconds(i)).delay;
    EXPECT_GE(d, 800ms);
    EXPECT_LE(d, 1200ms);
  }
}

TEST(RestartTrackerTest, TheStartLimitGivesUpOnTheRestartPastTheBurstWithinTheInterval) {
  RestartTracker t(backoff(10ms, 100ms), limit(3, 10s), fixed(0.5));
  const auto t0 = Clock::time_point{} + 1h;
  EXPECT_FALSE(t.on_failure(t0).give_up);
  EXPECT_FALSE(t.on_failure(t0 + 1s).give_up);
  auto third = t.on_failure(t0 + 2s);
  EXPECT_FALSE(third.give_up);
  EXPECT_EQ(third.restarts_in_interval, 3u);
  auto fourth = t.on_failure(t0 + 3s);
  EXPECT_TRUE(fourth.give_up);
  EXPECT_EQ(fourth.restarts_in_interval, 3u);
  EXPECT_TRUE(t.on_failure(t0 + 9s).give_up) << "still three within the last 10 s";
}

TEST(RestartTrackerTest, RestartsOlderThanTheIntervalNoLongerCount) {
  RestartTracker t(backoff(10ms, 100ms), limit(2, 10s), fixed(0.5));
  const auto t0 = Clock::time_point{} + 1h;
  EXPECT_FALSE(t.on_failure(t0).give_up);
  EXPECT_FALSE(t.on_failure(t0 + 5s).give_up);
  auto later = t.on_failure(t0 + 10s);  // the first has left the window
  EXPECT_FALSE(later.give_up);
  EXPECT_EQ(later.restarts_in_interval, 2u);
}

TEST(RestartTrackerTest, RecoveryRestartsTheBackOffAndResetForgetsTheStartLimit) {
  RestartTracker t(backoff(100ms, 10s), limit(2, 60s), fixed(0.5));
  const auto t0 = Clock::time_point{} + 1h;
  EXPECT_EQ(t.on_failure(t0).delay, 100ms);
  EXPECT_EQ(t.on_failure(t0 + 1s).delay, 200ms);
  EXPECT_TRUE(t.on_failure(t0 + 2s).give_up);
  t.reset();  // agentctl restart
  EXPECT_EQ(t.failures_in_a_row(), 0u);
  EXPECT_EQ(t.on_failure(t0 + 3s).delay, 100ms);
  EXPECT_EQ(t.on_failure(t0 + 4s).delay, 200ms) << "no recovery in between: the back-off grows";
  t.reset();
  EXPECT_EQ(t.on_failure(t0 + 5s).delay, 100ms);
  t.on_recovered();
  EXPECT_EQ(t.on_failure(t0 + 6s).delay, 100ms);
}

TEST(RestartTrackerTest, ALongStreakDoesNotOverflow) {
  RestartTracker t(backoff(1000ms, 30s), limit(1'000'000, 1s), fixed(0.5));
  auto now = Clock::time_point{} + 1h;
  std::chrono::milliseconds last{};
  for (int i = 0; i < 2000; ++i) {
    now += 2s;
    last = t.on_failure(now).delay;
  }
  EXPECT_EQ(last, 30s);
}

}  // namespace
}  // namespace agenthost::supervision
