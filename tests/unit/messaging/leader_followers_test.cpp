// LeaderFollowers: who of the socket loop's threads leads, with real threads waiting for the
// lead (every wait bounded).

#include "messaging/leader_followers.hpp"

#include <atomic>
#include <future>
#include <optional>
#include <thread>

#include <gtest/gtest.h>

#include "messaging_test_support.hpp"

namespace agenthost::messaging {
namespace {

using namespace std::chrono_literals;
using msgtest::eventually;

TEST(LeaderFollowers, TheFirstThreadLeadsAndAskForANewThreadWhenNobodyWaits) {
  LeaderFollowers threads(2, 1);
  threads.thread_starting();
  ASSERT_TRUE(threads.take_lead());
  EXPECT_TRUE(threads.may_run_handler());
  EXPECT_TRUE(threads.hand_over_lead());  // no follower: the caller starts one
  // The new thread (counted already) takes the free lead at once.
  EXPECT_TRUE(threads.take_lead());
  threads.back_from_handler();
  threads.stopped();  // by the new leader
  EXPECT_FALSE(threads.take_lead());  // the thread back from its handler ends
  threads.wait_until_stopped();
}

TEST(LeaderFollowers, AWaitingFollowerTakesTheLeadHandedOver) {
  LeaderFollowers threads(2, 1);
  threads.thread_starting();
  threads.thread_starting();
  ASSERT_TRUE(threads.take_lead());
  std::atomic<bool> led{false};
  std::thread follower([&] {
    if (threads.take_lead()) led = true;
  });
  std::this_thread::sleep_for(20ms);  // let it wait (a late follower takes the lead too)
  EXPECT_FALSE(led.load());  // the lead is held
  EXPECT_FALSE(threads.hand_over_lead());  // it waits: no new thread is needed
  EXPECT_TRUE(eventually([&] { return led.load(); }));
  follower.join();
  threads.back_from_handler();
  threads.stopped();  // by the follower, now the leader
  EXPECT_FALSE(threads.take_lead());  // the first thread, back from its handler, ends
  threads.wait_until_stopped();
}

TEST(LeaderFollowers, ThreadsBeyondTheIdleFollowersRetire) {
  LeaderFollowers threads(4, 1);
  for (int i = 0; i < 3; ++i) threads.thread_starting();
  ASSERT_TRUE(threads.take_lead());
  auto follower = std::async(std::launch::async, [&] { return threads.take_lead(); });
  std::this_thread::sleep_for(20ms);
  // A third thread finds the lead held and one follower waiting: it retires.
  EXPECT_FALSE(threads.take_lead());
  threads.stopped();  // the leader stops the loop: the follower ends too
  ASSERT_EQ(follower.wait_for(2s), std::future_status::ready);
  EXPECT_FALSE(follower.get());
  threads.wait_until_stopped();
}

TEST(LeaderFollowers, HandlersAreCappedAndStopDoesNotWaitForThem) {
  LeaderFollowers threads(1, 1);
  threads.thread_starting();
  ASSERT_TRUE(threads.take_lead());
  ASSERT_TRUE(threads.hand_over_lead());  // this thread is in a handler now
  ASSERT_TRUE(threads.take_lead());       // the new one leads
  EXPECT_FALSE(threads.may_run_handler());  // the one handler allowed runs
  threads.stopped();
  // Returns with a thread still in its handler (one that may never return).
  auto waited = std::async(std::launch::async, [&] { threads.wait_until_stopped(); });
  EXPECT_EQ(waited.wait_for(2s), std::future_status::ready);
  threads.back_from_handler();
  EXPECT_FALSE(threads.take_lead());  // back after the stop: it ends
}

TEST(LeaderFollowers, ALeaderWithoutANewThreadTakesTheLeadBack) {
  LeaderFollowers threads(2, 1);
  threads.thread_starting();
  ASSERT_TRUE(threads.take_lead());
  ASSERT_TRUE(threads.hand_over_lead());
  threads.take_back_lead();  // the thread could not be started
  EXPECT_TRUE(threads.may_run_handler());  // nobody is in a handler
  threads.stopped();
  auto waited = std::async(std::launch::async, [&] { threads.wait_until_stopped(); });
  EXPECT_EQ(waited.wait_for(2s), std::future_status::ready);  // no thread left uncounted
}

// A leader and one follower that has seen a request handed over (so it watches), as the
// socket loop has them under traffic. `timing` of the threads as given.
struct WatchedLeader {
  explicit WatchedLeader(InlineTiming timing) : threads(2, 1, timing) {
    threads.thread_starting();
    threads.thread_starting();
  }
  // Thread A leads, B waits; A hands a request over, B leads, A back from it waits and
  // watches (there was a request just now). Returns B's future: true when it took the lead.
  void start() {
    ASSERT_TRUE(threads.take_lead());
    EXPECT_FALSE(threads.begin_inline());  // nobody watches yet: hand over
    first = std::async(std::launch::async, [&] { return threads.take_lead(); });
    std::this_thread::sleep_for(20ms);
    EXPECT_FALSE(threads.hand_over_lead());  // B takes it
    ASSERT_EQ(first.wait_for(2s), std::future_status::ready);
    ASSERT_TRUE(first.get());
    threads.back_from_handler();
    second = std::async(std::launch::async, [&] { return threads.take_lead(); });
  }
  LeaderFollowers threads;
  std::future<bool> first, second;
};

TEST(LeaderFollowers, AWatchedLeaderRunsAQuickHandlerWithoutHandingTheLeadOver) {
  WatchedLeader w({.watch_period = 1ms, .stall = 2s, .traffic_window = 10s});
  w.start();
  std::optional<std::uint64_t> ticket;
  ASSERT_TRUE(eventually([&] { return (ticket = w.threads.begin_inline()).has_value(); }));
  EXPECT_TRUE(w.threads.end_inline(*ticket));  // still the leader: no wake-up, no wait
  EXPECT_EQ(w.second.wait_for(20ms), std::future_status::timeout);  // A still follows
  w.threads.stopped();
  ASSERT_EQ(w.second.wait_for(2s), std::future_status::ready);
  EXPECT_FALSE(w.second.get());
  w.threads.wait_until_stopped();
}

TEST(LeaderFollowers, TheWatcherLeadsInPlaceOfAHandlerThatRunsLong) {
  WatchedLeader w({.watch_period = 1ms, .stall = 30ms, .traffic_window = 10s});
  w.start();
  std::optional<std::uint64_t> ticket;
  ASSERT_TRUE(eventually([&] { return (ticket = w.threads.begin_inline()).has_value(); }));
  // The handler "blocks": A takes the lead after the stall, while B is still inside it.
  ASSERT_EQ(w.second.wait_for(2s), std::future_status::ready);
  EXPECT_TRUE(w.second.get());
  EXPECT_FALSE(w.threads.end_inline(*ticket));  // B follows now
  w.threads.stopped();  // by A, the leader
  EXPECT_FALSE(w.threads.take_lead());  // B ends
  w.threads.wait_until_stopped();
}

TEST(LeaderFollowers, AnOldInlineRunDoesNotReclaimALeadTakenOver) {
  WatchedLeader w({.watch_period = 1ms, .stall = 30ms, .traffic_window = 10s});
  w.start();
  std::optional<std::uint64_t> old_ticket;
  ASSERT_TRUE(eventually([&] { return (old_ticket = w.threads.begin_inline()).has_value(); }));
  ASSERT_EQ(w.second.wait_for(2s), std::future_status::ready);
  ASSERT_TRUE(w.second.get());  // A leads in B's place
  // B, still in its handler, cannot be watched for A (no idle follower): A hands over.
  EXPECT_FALSE(w.threads.begin_inline());
  EXPECT_FALSE(w.threads.end_inline(*old_ticket));
  w.threads.stopped();
  EXPECT_FALSE(w.threads.take_lead());
  w.threads.wait_until_stopped();
}

TEST(LeaderFollowers, AfterTheTrafficWindowTheFollowerStopsWatching) {
  WatchedLeader w({.watch_period = 1ms, .stall = 2s, .traffic_window = 30ms});
  w.start();
  std::this_thread::sleep_for(100ms);  // no request for longer than the window
  EXPECT_FALSE(w.threads.begin_inline());  // nobody watches: the request is handed over
  w.threads.stopped();
  ASSERT_EQ(w.second.wait_for(2s), std::future_status::ready);
  w.threads.wait_until_stopped();
}

}  // namespace
}  // namespace agenthost::messaging
