// Back-off timers: tasks run at their time, in order; cancel_all() hands each pending task
// `cancelled` once, and later ones are cancelled at once.

#include <atomic>
#include <filesystem>
#include <iterator>
#include <condition_variable>
#include <mutex>
#include <vector>

#include <gtest/gtest.h>

#include "supervision/delayed_tasks.hpp"

namespace agenthost::supervision {
namespace {

using namespace std::chrono_literals;
using Clock = DelayedTasks::Clock;

struct Log {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> entries;
  void add(std::string e) {
    std::lock_guard lock(mu);
    entries.push_back(std::move(e));
    cv.notify_all();
  }
  bool wait_for(std::size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, timeout, [&] { return entries.size() >= n; });
  }
};

TEST(DelayedTasksTest, RunsTasksAtTheirTimeInOrder) {
  DelayedTasks tasks;
  Log log;
  const auto begin = Clock::now();
  tasks.schedule(begin + 60ms, [&](bool cancelled) { log.add(cancelled ? "b cancelled" : "b"); });
  tasks.schedule(begin + 20ms, [&](bool cancelled) { log.add(cancelled ? "a cancelled" : "a"); });
  ASSERT_TRUE(log.wait_for(2, 5s));
  EXPECT_GE(Clock::now() - begin, 60ms);
  EXPECT_EQ(log.entries, (std::vector<std::string>{"a", "b"}));
}

TEST(DelayedTasksTest, CancelAllCancelsPendingTasksOnceAndLaterOnesAtOnce) {
  Log log;
  DelayedTasks tasks;
  tasks.schedule(Clock::now() + 1h, [&](bool cancelled) { log.add(cancelled ? "cancelled" : "ran"); });
  tasks.schedule(Clock::now() + 2h, [&](bool cancelled) { log.add(cancelled ? "cancelled" : "ran"); });
  EXPECT_EQ(tasks.cancel_all(), 2u);
  EXPECT_EQ(log.entries, (std::vector<std::string>{"cancelled", "cancelled"}));
  tasks.schedule(Clock::now(), [&](bool cancelled) { log.add(cancelled ? "late cancelled" : "late ran"); });
  EXPECT_EQ(log.entries.back(), "late cancelled");
  EXPECT_EQ(tasks.cancel_all(), 0u);
}

TEST(DelayedTasksTest, TheDestructorCancelsWhatIsPending) {
  std::atomic<int> cancelled{0};
  {
    DelayedTasks tasks;
    tasks.schedule(Clock::now() + 1h, [&](bool c) { cancelled += c ? 1 : 100; });
  }
  EXPECT_EQ(cancelled.load(), 1);
}

std::ptrdiff_t threads_of_this_process() {
  const std::filesystem::directory_iterator tasks("/proc/self/task");
  return std::distance(begin(tasks), end(tasks));
}

TEST(DelayedTasksTest, TheTimerThreadComesWithTheFirstTaskAndATaskMayScheduleTheNext) {
  const auto before = threads_of_this_process();
  {
    DelayedTasks idle;
    EXPECT_LE(threads_of_this_process(), before) << "no thread for a timer that never gets a task";
    EXPECT_EQ(idle.cancel_all(), 0u);
  }
  Log log;
  DelayedTasks tasks;
  tasks.schedule(Clock::now(), [&](bool cancelled) {
    if (cancelled) return;
    log.add("first");
    tasks.schedule(Clock::now() + 10ms, [&](bool again_cancelled) { log.add(again_cancelled ? "next cancelled" : "next"); });
  });
  ASSERT_TRUE(log.wait_for(2, 5s));
  EXPECT_EQ(log.entries, (std::vector<std::string>{"first", "next"}));
}

}  // namespace
}  // namespace agenthost::supervision
