// The per-endpoint circuit breaker. Time is passed in explicitly: no sleeping.

#include "messaging/circuit_breaker.hpp"

#include <string>

#include <gtest/gtest.h>

namespace agenthost::messaging {
namespace {

using namespace std::chrono_literals;
using State = CircuitBreaker::State;

const CircuitBreaker::Clock::time_point t0{std::chrono::hours(1000)};

TEST(CircuitBreakerTest, StartsClosedAndAllowsCalls) {
  CircuitBreaker breaker(3, 1s);
  EXPECT_EQ(breaker.state(t0), State::closed);
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(breaker.allow(t0));
}

TEST(CircuitBreakerTest, OpensAfterNConsecutiveFailures) {
  CircuitBreaker breaker(3, 1s);
  breaker.record_failure(t0);
  breaker.record_failure(t0);
  EXPECT_EQ(breaker.state(t0), State::closed);
  EXPECT_TRUE(breaker.allow(t0));
  breaker.record_failure(t0);
  EXPECT_EQ(breaker.state(t0), State::open);
  EXPECT_FALSE(breaker.allow(t0));
}

TEST(CircuitBreakerTest, ASuccessInBetweenResetsTheCount) {
  CircuitBreaker breaker(3, 1s);
  breaker.record_failure(t0);
  breaker.record_failure(t0);
  breaker.record_success();
  breaker.record_failure(t0);
  breaker.record_failure(t0);
  EXPECT_EQ(breaker.state(t0), State::closed);
  EXPECT_TRUE(breaker.allow(t0));
  breaker.record_failure(t0);
  EXPECT_EQ(breaker.state(t0), State::open);
}

TEST(CircuitBreakerTest, OpenRejectsUntilOpenForHasPassed) {
  CircuitBreaker breaker(1, 500ms);
  breaker.record_failure(t0);
  EXPECT_FALSE(breaker.allow(t0));
  EXPECT_FALSE(breaker.allow(t0 + 1ms));
  EXPECT_FALSE(breaker.allow(t0 + 499ms));
  EXPECT_EQ(breaker.state(t0 + 499ms), State::open);
  EXPECT_EQ(breaker.state(t0 + 500ms), State::half_open);
  EXPECT_TRUE(breaker.allow(t0 + 500ms));
}

TEST(CircuitBreakerTest, HalfOpenLetsExactlyOneTrialThrough) {
  CircuitBreaker breaker(2, 100ms);
  breaker.record_failure(t0);
  breaker.record_failure(t0);
  const auto later = t0 + 150ms;
  EXPECT_TRUE(breaker.allow(later));
  EXPECT_EQ(breaker.state(later), State::half_open);
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(breaker.allow(later + std::chrono::milliseconds(i)));
  // Much later still only the one trial, until it reports back.
  EXPECT_FALSE(breaker.allow(later + 10s));
}

TEST(CircuitBreakerTest, TrialSuccessCloses) {
  CircuitBreaker breaker(2, 100ms);
  breaker.record_failure(t0);
  breaker.record_failure(t0);
  ASSERT_TRUE(breaker.allow(t0 + 100ms));
  breaker.record_success();
  EXPECT_EQ(breaker.state(t0 + 100ms), State::closed);
  EXPECT_TRUE(breaker.allow(t0 + 100ms));
  EXPECT_TRUE(breaker.allow(t0 + 100ms));
  // Closed again with a fresh count: one failure does not re-open a breaker of 2.
  breaker.record_failure(t0 + 101ms);
  EXPECT_EQ(breaker.state(t0 + 101ms), State::closed);
}

TEST(CircuitBreakerTest, TrialFailureReopensForAnotherPeriod) {
  CircuitBreaker breaker(3, 100ms);
  for (int i = 0; i < 3; ++i) breaker.record_failure(t0);
  const auto trial = t0 + 100ms;
  ASSERT_TRUE(breaker.allow(trial));
  breaker.record_failure(trial + 5ms);  // one failed trial is enough, whatever N is
  EXPECT_EQ(breaker.state(trial + 5ms), State::open);
  EXPECT_FALSE(breaker.allow(trial + 5ms));
  EXPECT_FALSE(breaker.allow(trial + 104ms));  // open_for counts from the trial's failure
  EXPECT_TRUE(breaker.allow(trial + 105ms));
  EXPECT_EQ(breaker.state(trial + 105ms), State::half_open);
}

TEST(CircuitBreakerTest, FailuresBelowOneMeanOne) {
  CircuitBreaker breaker(0, 100ms);
  breaker.record_failure(t0);
  EXPECT_EQ(breaker.state(t0), State::open);
}

TEST(CircuitBreakerTest, StateNames) {
  EXPECT_EQ(std::string(to_string(State::closed)), "closed");
  EXPECT_EQ(std::string(to_string(State::open)), "open");
  EXPECT_EQ(std::string(to_string(State::half_open)), "half_open");
}

}  // namespace
}  // namespace agenthost::messaging
