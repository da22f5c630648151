#include "runtime/thread_pool.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include <sys/prctl.h>

#include <gtest/gtest.h>

#include "runtime/task_race.hpp"

namespace agenthost::runtime {
namespace {

using namespace std::chrono_literals;

TEST(ThreadPool, RunsEveryTask) {
  ThreadPool pool("test", 2);
  std::atomic<int> done{0};
  std::promise<void> all;
  for (int i = 0; i < 100; ++i)
    pool.submit([&] {
      if (++done == 100) all.set_value();
    });
  ASSERT_EQ(all.get_future().wait_for(10s), std::future_status::ready);
  EXPECT_EQ(pool.shutdown(1s), 0u);
}

// The slack the kernel grants a worker's timers, as the worker itself sees it.
unsigned long worker_timer_slack(ThreadPool& pool) {
  std::promise<unsigned long> slack;
  pool.submit([&] { slack.set_value(static_cast<unsigned long>(::prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0))); });
  auto answer = slack.get_future();
  return answer.wait_for(10s) == std::future_status::ready ? answer.get() : 0;
}

TEST(ThreadPool, WorkersKeepTheTimerSlackTheyInheritUnlessToldOtherwise) {
  const auto inherited = static_cast<unsigned long>(::prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0));
  ThreadPool plain("test", 1);
  EXPECT_EQ(worker_timer_slack(plain), inherited);
  ThreadPool precise("test", 1, 1us);
  EXPECT_EQ(worker_timer_slack(precise), 1000u) << "nanoseconds";
  EXPECT_NE(inherited, 1000u) << "the test would prove nothing";
  plain.shutdown(1s);
  precise.shutdown(1s);
}

// Polls `condition` every millisecond for up to `limit`.
template <typename Condition>
bool eventually(Condition condition, std::chrono::milliseconds limit = 10s) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

TEST(ThreadPool, PrestartMakesWorkersBeforeTasksComeButNoMoreThanItMayHave) {
  ThreadPool pool("test", 4);
  EXPECT_EQ(pool.thread_count(), 0u) << "workers are made on demand";
  pool.prestart(3);
  ASSERT_TRUE(eventually([&] { return pool.thread_count() == 3; })) << pool.thread_count();

  // Three tasks that wait for each other: each found a worker waiting; no fourth was made.
  std::atomic<int> arrived{0};
  std::promise<void> all;
  for (int i = 0; i < 3; ++i)
    pool.submit([&] {
      if (++arrived == 3) all.set_value();
      eventually([&] { return arrived.load() == 3; });
    });
  ASSERT_EQ(all.get_future().wait_for(10s), std::future_status::ready);
  EXPECT_EQ(pool.thread_count(), 3u);

  pool.prestart(50);  // bounded by the pool's size
  ASSERT_TRUE(eventually([&] { return pool.thread_count() == 4; })) << pool.thread_count();
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(pool.thread_count(), 4u);
  EXPECT_EQ(pool.shutdown(1s), 0u);
}

TEST(ThreadPool, AStuckTaskIsReplacedSoOthersStillRun) {
  ThreadPool pool("test", 1);
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  pool.submit([&] {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return release; });
    pool.stuck_task_returned();
  });
  pool.compensate_for_stuck_task();
  std::promise<void> ran;
  pool.submit([&] { ran.set_value(); });
  EXPECT_EQ(ran.get_future().wait_for(10s), std::future_status::ready);
  EXPECT_EQ(pool.thread_count(), 2u);
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  EXPECT_EQ(pool.shutdown(10s), 0u);
}

TEST(ThreadPool, ShutdownLeavesAHungTaskBehindAndSaysSo) {
  auto pool = std::make_unique<ThreadPool>("test", 1);
  auto gate = std::make_shared<std::promise<void>>();
  auto entered = std::make_shared<std::promise<void>>();
  pool->submit([gate, entered, f = gate->get_future().share()] {
    entered->set_value();
    f.wait();
  });
  entered->get_future().wait();
  EXPECT_EQ(pool->shutdown(20ms), 1u);
  pool.reset();          // must not wait for the hung task
  gate->set_value();     // let the detached thread finish
}

TEST(TaskRace, ExactlyOneSideWins) {
  for (int i = 0; i < 1000; ++i) {
    TaskRace race;
    std::atomic<int> wins{0};
    std::thread a([&] { wins += race.try_finish(); });
    std::thread b([&] { wins += race.try_abandon(); });
    a.join();
    b.join();
    ASSERT_EQ(wins.load(), 1);
  }
}

}  // namespace
}  // namespace agenthost::runtime
