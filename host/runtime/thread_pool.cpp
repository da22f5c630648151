#include "runtime/thread_pool.hpp"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <list>
#include <mutex>
#include <thread>

#include <pthread.h>
#include <sys/prctl.h>
#include <spdlog/spdlog.h>

namespace agenthost::runtime {

struct ThreadPool::Shared {
  struct Worker {
    std::thread thread;   // guarded by mu
    bool busy = false;    // guarded by mu: inside a task
    bool exited = false;  // guarded by mu
  };

  std::string name;
  std::chrono::nanoseconds timer_slack{0};
  std::mutex mu;
  std::condition_variable work_cv;   // workers: a task, or a reason to exit
  std::condition_variable spawn_cv;  // the spawner: a task that no free worker will take
  std::condition_variable exit_cv;   // shutdown: a worker exited
  std::deque<std::function<void()>> tasks;  // guarded by mu
  std::list<std::shared_ptr<Worker>> workers;  // guarded by mu
  std::size_t target = 0;  // guarded by mu: workers wanted at most
  std::size_t live = 0;    // guarded by mu: workers created (or being created), not exited
  std::size_t busy = 0;    // guarded by mu: workers inside a task
  std::size_t prestarted = 0;  // guarded by mu: workers wanted before tasks come (prestart)
  bool stopping = false;   // guarded by mu
  std::thread spawner;

  // A worker that is not inside a task (waiting, or made and not yet waiting) takes the next
  // task: counting only the waiting ones made an extra thread for a task that came while a
  // fresh worker was still starting.
  bool needs_worker_locked() const {
    return !stopping && live < target && (tasks.size() > live - busy || live < prestarted);
  }

  // Thread creation costs ~0.15 ms on a small VM. It happens here, on the spawner thread,
  // so that neither the caller of submit() (the control thread) nor a worker about to run
  // a task on the critical path pays for it.
  void spawn_loop(const std::shared_ptr<Shared>& self) {
    std::unique_lock lock(mu);
    for (;;) {
      spawn_cv.wait(lock, [&] { return stopping || needs_worker_locked(); });
      if (stopping) return;
      auto worker = std::make_shared<Worker>();
      ++live;
      lock.unlock();
      std::thread thread([self, worker] { self->run(worker.get()); });
      std::string thread_name = name.substr(0, 15);
      pthread_setname_np(thread.native_handle(), thread_name.c_str());
      lock.lock();
      worker->thread = std::move(thread);
      workers.push_back(std::move(worker));
    }
  }

  void run(Worker* me) {
    // Fails only for a value the kernel rejects: the thread then keeps the default.
    if (timer_slack.count() > 0)
      ::prctl(PR_SET_TIMERSLACK, static_cast<unsigned long>(timer_slack.count()), 0, 0, 0);
    std::unique_lock lock(mu);
    for (;;) {
      work_cv.wait(lock, [&] { return stopping || !tasks.empty() || live > target; });
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

ThreadPool::ThreadPool(std::string name, std::size_t workers, std::chrono::nanoseconds timer_slack)
    : shared_(std::make_shared<Shared>()) {
  shared_->name = std::move(name);
  shared_->timer_slack = timer_slack;
  // Workers are made on demand: a host whose agents start in a few waves needs far fewer
  // than `workers`.
  shared_->target = workers;
  shared_->spawner = std::thread([self = shared_] { self->spawn_loop(self); });
  pthread_setname_np(shared_->spawner.native_handle(), "pool-spawner");
}

ThreadPool::~ThreadPool() {
  if (!shut_down_) shutdown(std::chrono::milliseconds(0));
}

void ThreadPool::submit(std::function<void()> task) {
  bool spawn = false;
  {
    std::lock_guard lock(shared_->mu);
    shared_->tasks.push_back(std::move(task));
    spawn = shared_->needs_worker_locked();
  }
  shared_->work_cv.notify_one();
  if (spawn) shared_->spawn_cv.notify_one();
}

void ThreadPool::prestart(std::size_t count) {
  bool spawn = false;
  {
    std::lock_guard lock(shared_->mu);
    shared_->prestarted = std::max(shared_->prestarted, count);
    spawn = shared_->needs_worker_locked();
  }
  if (spawn) shared_->spawn_cv.notify_one();
}

void ThreadPool::compensate_for_stuck_task() {
  bool spawn = false;
  {
    std::lock_guard lock(shared_->mu);
    if (shared_->stopping) return;
    ++shared_->target;
    spawn = shared_->needs_worker_locked();
  }
  if (spawn) shared_->spawn_cv.notify_one();
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
  {
    std::lock_guard lock(shared_->mu);
    shared_->stopping = true;
  }
  shared_->spawn_cv.notify_all();
  shared_->work_cv.notify_all();
  if (shared_->spawner.joinable()) shared_->spawner.join();

  std::unique_lock lock(shared_->mu);
  // Idle workers exit at once; busy ones get `grace` to finish their task.
  shared_->exit_cv.wait(lock, [&] { return shared_->live == shared_->busy; });
  const auto deadline = std::chrono::steady_clock::now() + grace;
  shared_->exit_cv.wait_until(lock, deadline, [&] { return shared_->live == 0; });
  std::size_t left = 0;
  for (auto& worker : shared_->workers) {
    if (!worker->thread.joinable()) continue;  // joined or detached by an earlier shutdown
    if (worker->exited) {
      // Joining under the lock is safe: an exited worker no longer takes it.
      worker->thread.join();
    } else {
      worker->thread.detach();
      ++left;
    }
  }
  return left;
}

}  // namespace agenthost::runtime
