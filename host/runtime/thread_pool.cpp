#include "runtime/thread_pool.hpp"

#include <condition_variable>
#include <deque>
#include <list>
#include <mutex>
#include <thread>

#include <pthread.h>
#include <spdlog/spdlog.h>

namespace agenthost::runtime {

struct ThreadPool::Shared {
  struct Worker {
    std::thread thread;
    bool busy = false;    // guarded by mu: inside a task
    bool exited = false;  // guarded by mu
  };

  std::string name;
  std::mutex mu;
  std::condition_variable work_cv;
  std::condition_variable exit_cv;
  std::deque<std::function<void()>> tasks;  // guarded by mu
  std::list<Worker> workers;                // guarded by mu
  std::size_t target = 0;                   // guarded by mu: workers wanted
  std::size_t live = 0;                     // guarded by mu: workers not exited
  std::size_t busy = 0;                     // guarded by mu: workers inside a task
  std::size_t idle = 0;                     // guarded by mu: workers waiting for a task
  bool stopping = false;                    // guarded by mu

  void spawn_locked(const std::shared_ptr<Shared>& self) {
    auto& worker = workers.emplace_back();
    ++live;
    // The thread holds `self`: a detached worker stuck in agent code outlives the pool.
    worker.thread = std::thread([self, w = &worker] { self->run(w); });
    std::string thread_name = name.substr(0, 15);
    pthread_setname_np(worker.thread.native_handle(), thread_name.c_str());
  }

  void run(Worker* me) {
    std::unique_lock lock(mu);
    for (;;) {
      ++idle;
      work_cv.wait(lock, [&] { return stopping || !tasks.empty() || live > target; });
      --idle;
      if (tasks.empty() && (stopping || live > target)) break;
      auto task = std::move(tasks.front());
      tasks.pop_front();
      me->busy = true;
      ++busy;
      lock.unlock();
      try {
        task();
      } catch (const std::exception& e) {
        spdlog::error("{}: task escaped with an exception: {}", name, e.what());
      } catch (...) {
        spdlog::error("{}: task escaped with an unknown exception", name);
      }
      task = nullptr;
      lock.lock();
      me->busy = false;
      --busy;
      if (live > target && !stopping) break;  // retire: a stuck task's stand-in is no longer needed
    }
    --live;
    me->exited = true;
    exit_cv.notify_all();
  }
};

ThreadPool::ThreadPool(std::string name, std::size_t workers) : shared_(std::make_shared<Shared>()) {
  shared_->name = std::move(name);
  std::lock_guard lock(shared_->mu);
  // Threads are made on demand (submit): a host whose agents start in a few waves needs far
  // fewer than `workers`, and thread creation is not free on a small VM.
  shared_->target = workers;
}

ThreadPool::~ThreadPool() {
  if (!shut_down_) shutdown(std::chrono::milliseconds(0));
}

void ThreadPool::submit(std::function<void()> task) {
  {
    std::lock_guard lock(shared_->mu);
    shared_->tasks.push_back(std::move(task));
    if (shared_->tasks.size() > shared_->idle && shared_->live < shared_->target &&
        !shared_->stopping) {
      shared_->spawn_locked(shared_);
      return;
    }
  }
  shared_->work_cv.notify_one();
}

void ThreadPool::compensate_for_stuck_task() {
  std::lock_guard lock(shared_->mu);
  if (shared_->stopping) return;
  ++shared_->target;
  if (shared_->tasks.size() > shared_->idle) shared_->spawn_locked(shared_);
}

void ThreadPool::stuck_task_returned() {
  {
    std::lock_guard lock(shared_->mu);
    if (shared_->target > 0) --shared_->target;
  }
  shared_->work_cv.notify_all();
}

std::size_t ThreadPool::thread_count() const {
  std::lock_guard lock(shared_->mu);
  return shared_->live;
}

std::size_t ThreadPool::shutdown(std::chrono::milliseconds grace) {
  shut_down_ = true;
  std::unique_lock lock(shared_->mu);
  shared_->stopping = true;
  shared_->work_cv.notify_all();
  // Idle workers exit at once; busy ones get `grace` to finish their task.
  shared_->exit_cv.wait(lock, [&] { return shared_->live == shared_->busy; });
  const auto deadline = std::chrono::steady_clock::now() + grace;
  shared_->exit_cv.wait_until(lock, deadline, [&] { return shared_->live == 0; });
  std::size_t left = 0;
  for (auto& worker : shared_->workers) {
    if (!worker.thread.joinable()) continue;  // joined or detached by an earlier shutdown
    if (worker.exited) {
      // Joining under the lock is safe: an exited worker no longer takes it.
      if (worker.thread.joinable()) worker.thread.join();
    } else {
      worker.thread.detach();
      ++left;
    }
  }
  return left;
}

}  // namespace agenthost::runtime
