#pragma once
// The threads that run request handlers (and the host's own asynchronous call work).
//
// A handler may call another agent and block until the reply. If every worker did that at
// once, the handlers they wait for could never run. So a worker that blocks says so
// (BlockingScope), and the pool adds a thread while work is waiting and fewer than `workers`
// threads are free to take it; the extra thread retires when it is no longer needed.
//
// Threads: post() and BlockingScope from any thread; shutdown() from one thread, once.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace agenthost::messaging {

class WorkerPool {
 public:
  WorkerPool(std::string name, std::size_t workers);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Tasks must not throw (what escapes is logged and swallowed). False (and the task is
  // dropped) once shutdown() has begun.
  bool post(std::function<void()> task);

  // While one lives on a worker of this pool, that worker counts as blocked.
  class BlockingScope {
   public:
    explicit BlockingScope(WorkerPool& pool);
    ~BlockingScope();
    BlockingScope(const BlockingScope&) = delete;
    BlockingScope& operator=(const BlockingScope&) = delete;

   private:
    WorkerPool* pool_ = nullptr;  // null when not on one of its workers
  };

  // Runs what is queued, then joins the workers, waiting up to `grace` for busy ones (a
  // handler that never returns); those are detached. Returns how many were left running.
  std::size_t shutdown(std::chrono::milliseconds grace);

  std::size_t thread_count() const;
  std::size_t workers() const noexcept { return workers_; }

 private:
  void spawn_locked();
  void reap_locked();
  void run();

  // Stand-ins for blocked workers are capped: a flood of blocking calls must not make
  // thousands of threads.
  bool free_workers_short_locked() const {
    return live_ - blocked_ < workers_ && live_ < workers_ + kMaxStandIns;
  }
  static constexpr std::size_t kMaxStandIns = 256;

  const std::string name_;
  const std::size_t workers_;
  mutable std::mutex mu_;
  std::condition_variable work_cv_;
  std::condition_variable exit_cv_;
  std::deque<std::function<void()>> tasks_;  // guarded by mu_
  std::vector<std::thread> threads_;         // guarded by mu_
  std::vector<std::thread::id> retired_;     // guarded by mu_: stand-ins that exited, to join
  std::size_t live_ = 0;     // guarded by mu_: threads not yet exited
  std::size_t idle_ = 0;     // guarded by mu_: threads waiting for a task
  std::size_t blocked_ = 0;  // guarded by mu_: threads inside a BlockingScope
  std::size_t busy_ = 0;     // guarded by mu_: threads inside a task
  bool stopping_ = false;    // guarded by mu_
};

}  // namespace agenthost::messaging
