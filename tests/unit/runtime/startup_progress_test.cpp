#include "runtime/startup_progress.hpp"

#include <gtest/gtest.h>

namespace agenthost::runtime {
namespace {

using namespace std::chrono_literals;
using Clock = ProgressThrottle::Clock;

TEST(ProgressThrottle, ReportsTheFirstProgressAtOnceAndOnlyChangesAfterIt) {
  ProgressThrottle throttle(100ms);
  const auto t0 = Clock::now();
  auto first = throttle.take({.total = 3}, t0);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->total, 3u);
  EXPECT_FALSE(throttle.take({.total = 3}, t0 + 500ms)) << "nothing changed";
  EXPECT_FALSE(throttle.next_due());
  EXPECT_TRUE(throttle.take({.total = 3, .ready = 1}, t0 + 600ms));
}

TEST(ProgressThrottle, AChangeWithinTheGapWaitsAndSaysWhenToLookAgain) {
  ProgressThrottle throttle(100ms);
  const auto t0 = Clock::now();
  ASSERT_TRUE(throttle.take({.total = 3}, t0));
  EXPECT_FALSE(throttle.take({.total = 3, .ready = 1}, t0 + 10ms));
  ASSERT_TRUE(throttle.next_due());
  EXPECT_EQ(*throttle.next_due(), t0 + 100ms);
  EXPECT_FALSE(throttle.take({.total = 3, .ready = 2}, t0 + 99ms));
  auto late = throttle.take({.total = 3, .ready = 2}, t0 + 100ms);
  ASSERT_TRUE(late);
  EXPECT_EQ(late->ready, 2u) << "the latest progress, not the one that had to wait";
  EXPECT_FALSE(throttle.next_due());
}

}  // namespace
}  // namespace agenthost::runtime
