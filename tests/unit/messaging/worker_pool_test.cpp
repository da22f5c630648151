// The handler threads: running tasks, standing in for blocked workers, shutting down.

#include "messaging/worker_pool.hpp"

#include <atomic>
#include <future>
#include <memory>

#include <gtest/gtest.h>

#include "messaging_test_support.hpp"

namespace agenthost::messaging {
namespace {

using namespace std::chrono_literals;
using msgtest::eventually;
using msgtest::Gate;

TEST(WorkerPoolTest, RunsPostedTasks) {
  WorkerPool pool("test", 2);
  EXPECT_EQ(pool.workers(), 2u);
  std::atomic<int> done{0};
  for (int i = 0; i < 100; ++i) pool.post([&] { ++done; });
  EXPECT_TRUE(eventually([&] { return done.load() == 100; }));
  EXPECT_LE(pool.thread_count(), 2u);
  EXPECT_EQ(pool.shutdown(2s), 0u);
}

TEST(WorkerPoolTest, ZeroWorkersMeansOne) {
  WorkerPool pool("test", 0);
  EXPECT_EQ(pool.workers(), 1u);
  std::promise<void> ran;
  pool.post([&] { ran.set_value(); });
  EXPECT_EQ(ran.get_future().wait_for(2s), std::future_status::ready);
  EXPECT_EQ(pool.shutdown(2s), 0u);
}

TEST(WorkerPoolTest, AThrowingTaskDoesNotKillTheWorker) {
  WorkerPool pool("test", 1);
  pool.post([] { throw std::runtime_error("escaped"); });
  std::promise<void> ran;
  pool.post([&] { ran.set_value(); });
  EXPECT_EQ(ran.get_future().wait_for(2s), std::future_status::ready);
  EXPECT_EQ(pool.shutdown(2s), 0u);
}

TEST(WorkerPoolTest, BlockingScopeLetsATaskWaitForALaterTask) {
  // One worker. Task A waits for task B, which is posted after A: without a stand-in for the
  // blocked worker B could never run.
  WorkerPool pool("test", 1);
  Gate b_ran;
  std::promise<bool> a_saw_b;
  pool.post([&] {
    pool.post([&] { b_ran.open(); });
    WorkerPool::BlockingScope blocking(pool);
    a_saw_b.set_value(b_ran.wait(2s));
  });
  auto result = a_saw_b.get_future();
  ASSERT_EQ(result.wait_for(3s), std::future_status::ready);
  EXPECT_TRUE(result.get());
  // The stand-in retires once the blocked worker is free again.
  EXPECT_TRUE(eventually([&] { return pool.thread_count() == 1; }));
  EXPECT_EQ(pool.shutdown(2s), 0u);
}

TEST(WorkerPoolTest, StandInsComeAndGoRepeatedly) {
  // Stand-ins retire and later ones replace them (the retired threads are joined on the way).
  WorkerPool pool("test", 1);
  for (int round = 0; round < 30; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    // Owned by the tasks too: B may still be inside open() when A (and this loop) moves on.
    auto b_ran = std::make_shared<Gate>();
    auto a_saw_b = std::make_shared<std::promise<bool>>();
    pool.post([&pool, b_ran, a_saw_b] {
      pool.post([b_ran] { b_ran->open(); });
      WorkerPool::BlockingScope blocking(pool);
      a_saw_b->set_value(b_ran->wait(2s));
    });
    auto result = a_saw_b->get_future();
    ASSERT_EQ(result.wait_for(3s), std::future_status::ready);
    ASSERT_TRUE(result.get());
    ASSERT_TRUE(eventually([&] { return pool.thread_count() == 1; }));
  }
  EXPECT_EQ(pool.shutdown(2s), 0u);
}

TEST(WorkerPoolTest, BlockingScopeOffThePoolIsANoOp) {
  WorkerPool pool("test", 1);
  {
    WorkerPool::BlockingScope blocking(pool);  // the test thread is not one of its workers
    EXPECT_EQ(pool.thread_count(), 0u);
  }
  EXPECT_EQ(pool.shutdown(2s), 0u);
}

TEST(WorkerPoolTest, TasksPostedTogetherRunTogetherUpToWorkers) {
  // Tasks posted at once while fewer threads are idle than tasks are queued must still get
  // their own threads, up to `workers`.
  for (int round = 0; round < 5; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    WorkerPool pool("test", 2);
    // Warm up: one thread that goes idle after this task.
    std::promise<void> warm;
    pool.post([&] { warm.set_value(); });
    ASSERT_EQ(warm.get_future().wait_for(2s), std::future_status::ready);

    // Each task waits (bounded) for the other to arrive: both see it only when they overlap.
    std::atomic<int> arrived{0};
    std::atomic<int> met{0};
    std::atomic<int> finished{0};
    for (int i = 0; i < 2; ++i) {
      pool.post([&] {
        ++arrived;
        if (eventually([&] { return arrived.load() == 2; }, 1000ms)) ++met;
        ++finished;
      });
    }
    ASSERT_TRUE(eventually([&] { return finished.load() == 2; }, 2500ms));
    EXPECT_EQ(met.load(), 2) << "the two tasks did not run at the same time on a pool of 2";
    EXPECT_EQ(pool.shutdown(2s), 0u);
  }
}

TEST(WorkerPoolTest, ShutdownReturnsZeroWhenIdle) {
  WorkerPool pool("test", 3);
  std::atomic<int> done{0};
  for (int i = 0; i < 10; ++i) pool.post([&] { ++done; });
  ASSERT_TRUE(eventually([&] { return done.load() == 10; }));
  // Idle workers are not "left running", whatever the grace for busy ones.
  EXPECT_EQ(pool.shutdown(0ms), 0u);
  EXPECT_EQ(pool.thread_count(), 0u);
  EXPECT_EQ(pool.shutdown(0ms), 0u);  // twice is fine
}

TEST(WorkerPoolTest, ShutdownRunsWhatIsQueued) {
  WorkerPool pool("test", 1);
  Gate release;
  std::atomic<int> done{0};
  pool.post([&] {
    release.wait(2s);
    ++done;
  });
  for (int i = 0; i < 5; ++i) pool.post([&] { ++done; });
  release.open();
  EXPECT_EQ(pool.shutdown(2s), 0u);
  EXPECT_EQ(done.load(), 6);
}

TEST(WorkerPoolTest, PostAfterShutdownIsDropped) {
  WorkerPool pool("test", 1);
  EXPECT_EQ(pool.shutdown(2s), 0u);
  std::atomic<bool> ran{false};
  pool.post([&] { ran = true; });
  EXPECT_EQ(pool.thread_count(), 0u);
  EXPECT_FALSE(ran.load());
}

TEST(WorkerPoolTest, ShutdownLeavesAHungTaskBehindAndSaysSo) {
  auto pool = std::make_unique<WorkerPool>("test", 1);
  Gate entered, release;
  pool->post([&] {
    entered.open();
    release.wait(2s);
  });
  ASSERT_TRUE(entered.wait());
  EXPECT_EQ(pool->shutdown(20ms), 1u);
  release.open();
  // The detached thread still uses the pool until it exits: keep it alive until then.
  EXPECT_TRUE(eventually([&] { return pool->thread_count() == 0; }));
  pool.reset();
}

TEST(WorkerPoolTest, DestructorOfAnIdlePoolJoinsItsThreads) {
  std::atomic<int> done{0};
  {
    WorkerPool pool("test", 2);
    for (int i = 0; i < 4; ++i) pool.post([&] { ++done; });
    ASSERT_TRUE(eventually([&] { return done.load() == 4; }));
  }  // must not leave threads behind that touch the destroyed pool (TSan would see it)
  EXPECT_EQ(done.load(), 4);
}

}  // namespace
}  // namespace agenthost::messaging
