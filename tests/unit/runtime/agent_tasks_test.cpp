// An agent's tasks (API 1.6) on a real timer thread and worker pool: when they run, that an
// `every` task never overlaps itself, and that close() leaves no run and no function behind.

#include "runtime/agent_tasks.hpp"

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace agenthost::runtime {
namespace {

using namespace std::chrono_literals;

// Polls `done` every millisecond for at most `limit`.
template <typename F>
bool within(std::chrono::milliseconds limit, F done) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

// Closes the tasks when a test body ends, before the locals its tasks use are gone (the
// fixture's own close() comes after them: a task still running then would write to a dead
// stack frame).
struct CloseWhenDone {
  AgentTasks& tasks;
  ~CloseWhenDone() { tasks.close(); }
};

struct AgentTasksTest : ::testing::Test {
  messaging::WorkerPool workers{"test-workers", 4};
  supervision::DelayedTasks timer;
  std::vector<std::string> errors;
  std::mutex errors_mu;
  AgentTasks tasks{timer, workers, [this](const std::string& e) {
                     std::lock_guard lock(errors_mu);
                     errors.push_back(e);
                   }};
  ~AgentTasksTest() override {
    tasks.close();
    timer.cancel_all();
    workers.shutdown(1s);
  }
};

TEST_F(AgentTasksTest, AfterRunsOnceLaterAndPostRunsAtOnce) {
  std::atomic<int> after_runs{0}, posted_runs{0};
  const auto start = std::chrono::steady_clock::now();
  std::atomic<std::chrono::steady_clock::duration> after_at{};
  CloseWhenDone close_when_done{tasks};
  tasks.after(30ms, [&] {
    after_at = std::chrono::steady_clock::now() - start;
    ++after_runs;
  });
  tasks.post([&] { ++posted_runs; });
  ASSERT_TRUE(within(5s, [&] { return posted_runs == 1 && after_runs == 1; }));
  EXPECT_GE(after_at.load(), 30ms);
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(after_runs, 1);
  EXPECT_EQ(tasks.scheduled(), 0u) << "one-off tasks are forgotten once they ran";
}

TEST_F(AgentTasksTest, EveryRepeatsNeverOverlapsItselfAndStopsWhenCancelled) {
  std::atomic<int> runs{0}, inside{0}, most_inside{0};
  CloseWhenDone close_when_done{tasks};
  auto id = tasks.every(1ms, [&] {
    const int now = ++inside;
    most_inside = std::max(most_inside.load(), now);
    std::this_thread::sleep_for(5ms);  // longer than the period: ticks meanwhile are skipped
    --inside;
    ++runs;
  });
  ASSERT_TRUE(within(5s, [&] { return runs >= 5; }));
  EXPECT_TRUE(tasks.cancel(id));
  const int after_cancel = runs;
  std::this_thread::sleep_for(30ms);
  EXPECT_EQ(runs, after_cancel) << "cancel() waited for the run in progress; none started after it";
  EXPECT_EQ(most_inside, 1);
  EXPECT_FALSE(tasks.cancel(id));
  EXPECT_THROW(tasks.every(0ms, [] {}), std::invalid_argument);
}

TEST_F(AgentTasksTest, CloseWaitsForARunAndDestroysEveryFunctionWithNothingRunningAfter) {
  auto guard = std::make_shared<int>(0);
  std::atomic<bool> in_run{false}, finished{false};
  std::atomic<int> later_runs{0};
  CloseWhenDone close_when_done{tasks};
  tasks.post([&, guard] {
    in_run = true;
    std::this_thread::sleep_for(50ms);
    finished = true;
  });
  tasks.every(1ms, [&, guard] { ++later_runs; });
  tasks.after(1h, [guard] {});
  ASSERT_TRUE(within(5s, [&] { return in_run.load(); }));
  tasks.close();
  EXPECT_TRUE(finished) << "close() returned only after the run in progress";
  EXPECT_EQ(guard.use_count(), 1) << "every task's function was destroyed by close()";
  const int runs = later_runs;
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(later_runs, runs);
  tasks.post([&] { ++later_runs; });  // after close: never runs
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(later_runs, runs);
}

TEST_F(AgentTasksTest, AThrowingTaskIsReportedAndAnEveryTaskKeepsItsSchedule) {
  std::atomic<int> runs{0};
  CloseWhenDone close_when_done{tasks};
  tasks.every(2ms, [&] {
    ++runs;
    throw std::runtime_error("disk full");
  });
  ASSERT_TRUE(within(5s, [&] { return runs >= 3; }));
  std::lock_guard lock(errors_mu);
  ASSERT_FALSE(errors.empty());
  EXPECT_EQ(errors.front(), "a task threw: disk full");
}

TEST_F(AgentTasksTest, ATaskCancelsItselfWithoutWaitingForItself) {
  std::atomic<int> runs{0};
  std::atomic<TaskId> self{0};
  std::atomic<bool> cancelled{false};
  CloseWhenDone close_when_done{tasks};
  self = tasks.every(1ms, [&] {
    ++runs;
    while (self == 0) std::this_thread::yield();
    cancelled = tasks.cancel(self);
  });
  ASSERT_TRUE(within(5s, [&] { return cancelled.load(); }));
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(runs, 1);
}

}  // namespace
}  // namespace agenthost::runtime
