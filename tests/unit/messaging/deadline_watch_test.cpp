// The deadline watch: asynchronous calls complete exactly once, with kCallerGaveUp when no
// reply came in time.

#include "messaging/deadline_watch.hpp"

#include <memory>
#include <vector>

#include <gtest/gtest.h>

#include "messaging/wire_protocol.hpp"
#include "messaging_test_support.hpp"

namespace agenthost::messaging {
namespace {

using namespace std::chrono_literals;
using msgtest::TestCall;

std::shared_ptr<TestCall> call_due_in(std::chrono::milliseconds in) {
  return std::make_shared<TestCall>("m", "", Clock::now() + in);
}

TEST(DeadlineWatchTest, AnUnhandledCallGivesUpAtItsDeadline) {
  DeadlineWatch watch;
  auto call = call_due_in(30ms);
  const auto deadline = call->deadline;
  watch.watch(call);
  ASSERT_TRUE(call->wait_done());
  EXPECT_GE(Clock::now(), deadline);
  EXPECT_EQ(call->status(), kCallerGaveUp);
  EXPECT_EQ(call->deliveries(), 1);
}

TEST(DeadlineWatchTest, ACallCompletedInTimeIsNotCompletedAgain) {
  DeadlineWatch watch;
  auto answered = call_due_in(20ms);
  watch.watch(answered);
  ASSERT_TRUE(answered->complete(kOk, "reply"));
  // A later sentinel: once the watch has completed it, it has dealt with `answered` (the
  // deadlines are handled in order), which is still alive and so was seen.
  auto sentinel = call_due_in(40ms);
  watch.watch(sentinel);
  ASSERT_TRUE(sentinel->wait_done());
  EXPECT_EQ(sentinel->status(), kCallerGaveUp);
  EXPECT_EQ(answered->deliveries(), 1);
  EXPECT_EQ(answered->status(), kOk);
  EXPECT_EQ(answered->body(), "reply");
}

TEST(DeadlineWatchTest, CallsGiveUpInDeadlineOrderWhateverTheWatchOrder) {
  DeadlineWatch watch;
  auto late = call_due_in(60ms);
  auto early = call_due_in(20ms);
  watch.watch(late);
  watch.watch(early);  // earlier than the one the watch sleeps for: it must wake up
  ASSERT_TRUE(early->wait_done());
  EXPECT_FALSE(late->completed() && late->deadline > Clock::now());
  ASSERT_TRUE(late->wait_done());
  EXPECT_EQ(early->status(), kCallerGaveUp);
  EXPECT_EQ(late->status(), kCallerGaveUp);
}

TEST(DeadlineWatchTest, ACallWithoutDeadlineIsNotWatched) {
  DeadlineWatch watch;
  auto forever = std::make_shared<TestCall>("m");
  watch.watch(forever);
  auto sentinel = call_due_in(10ms);
  watch.watch(sentinel);
  ASSERT_TRUE(sentinel->wait_done());
  EXPECT_FALSE(forever->completed());
}

TEST(DeadlineWatchTest, AnAlreadyPassedDeadlineCompletesAtOnce) {
  DeadlineWatch watch;
  auto past = std::make_shared<TestCall>("m", "", Clock::now() - 1s);
  watch.watch(past);
  ASSERT_TRUE(past->wait_done());
  EXPECT_EQ(past->status(), kCallerGaveUp);
}

TEST(DeadlineWatchTest, ManyCallsAnsweredBeforeTheirDeadlineArePruned) {
  // More than the prune threshold of calls that are answered and dropped: the watch keeps
  // working (and completes the one call left unanswered).
  DeadlineWatch watch;
  for (int i = 0; i < 5000; ++i) {
    auto call = call_due_in(10s);
    watch.watch(call);
    call->complete(kOk, "");
  }
  auto unanswered = call_due_in(20ms);
  watch.watch(unanswered);
  ASSERT_TRUE(unanswered->wait_done());
  EXPECT_EQ(unanswered->status(), kCallerGaveUp);
}

TEST(DeadlineWatchTest, DestroyingWithPendingCallsReturns) {
  std::vector<std::shared_ptr<TestCall>> calls;
  {
    DeadlineWatch watch;
    for (int i = 0; i < 10; ++i) {
      calls.push_back(call_due_in(1h));
      watch.watch(calls.back());
    }
  }
  for (auto& call : calls) EXPECT_FALSE(call->completed());
}

}  // namespace
}  // namespace agenthost::messaging
