#include "messaging/worker_pool.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace agenthost::messaging {
namespace {
thread_local WorkerPool* current_pool = nullptr;
}

WorkerPool::WorkerPool(std::string name, std::size_t workers)
    : name_(std::move(name)), workers_(workers == 0 ? 1 : workers) {}

WorkerPool::~WorkerPool() { shutdown(std::chrono::milliseconds(0)); }

void WorkerPool::spawn_locked() {
  reap_locked();
  ++live_;
  threads_.emplace_back([this] { run(); });
  std::string thread_name = name_.substr(0, 15);
  pthread_setname_np(threads_.back().native_handle(), thread_name.c_str());
}

bool WorkerPool::post(std::function<void()> task) {
  std::unique_lock lock(mu_);
  if (stopping_) return false;  // the host is going down; the task's owner answers for it
  tasks_.push_back(std::move(task));
  // Threads are made as work arrives (a host with quiet agents needs few), on the posting
  // thread: ~0.15 ms once per thread. Each idle thread takes one queued task: tasks beyond
  // those need a new thread (not just "no thread is idle": two tasks posted before the one
  // idle thread wakes up would otherwise run one after the other).
  if (tasks_.size() > idle_ && free_workers_short_locked()) spawn_locked();
  lock.unlock();
  work_cv_.notify_one();
  return true;
}

WorkerPool::BlockingScope::BlockingScope(WorkerPool& pool) {
  if (current_pool != &pool) return;
  pool_ = &pool;
  std::lock_guard lock(pool.mu_);
  ++pool.blocked_;
  if (!pool.stopping_ && pool.tasks_.size() > pool.idle_ && pool.free_workers_short_locked()) {
    pool.spawn_locked();
  }
}

WorkerPool::BlockingScope::~BlockingScope() {
  if (!pool_) return;
  std::lock_guard lock(pool_->mu_);
  --pool_->blocked_;
}

void WorkerPool::run() {
  current_pool = this;
  std::unique_lock lock(mu_);
  for (;;) {
    ++idle_;
    work_cv_.wait(lock, [&] { return stopping_ || !tasks_.empty(); });
    --idle_;
    if (tasks_.empty()) break;  // stopping, and nothing left to run
    auto task = std::move(tasks_.front());
    tasks_.pop_front();

    ++busy_;
    if (stopping_) exit_cv_.notify_all();  // shutdown() waits for the threads outside a task
    lock.unlock();
    try {
      task();
    } catch (const std::exception& e) {
      spdlog::error("{}: a task escaped with an exception: {}", name_, e.what());
    } catch (...) {
      spdlog::error("{}: a task escaped with an unknown exception", name_);
    }
    task = nullptr;
    lock.lock();
    --busy_;
    // A stand-in for a blocked worker retires once the others are free again.
    if (!stopping_ && live_ - blocked_ > workers_ && tasks_.empty()) {
      retired_.push_back(std::this_thread::get_id());  // joined by the next spawn
      break;
    }
  }
  --live_;
  exit_cv_.notify_all();
}

std::size_t WorkerPool::shutdown(std::chrono::milliseconds grace) {
  std::vector<std::thread> threads;
  std::size_t left = 0;
  {
    std::unique_lock lock(mu_);
    if (stopping_ && threads_.empty()) return 0;
    stopping_ = true;
    work_cv_.notify_all();
    exit_cv_.wait_for(lock, grace, [&] { return live_ == 0; });
    // Queued tasks still run; busy threads may be stuck in a handler. Threads outside a task
    // exit at once (or take a queued task): they are never "left running", whatever the grace
    // (a grace of 0 used to detach idle threads, which then used the destroyed pool).
    exit_cv_.wait(lock, [&] { return live_ == busy_; });
    left = live_;
    retired_.clear();
    threads = std::move(threads_);
  }
  for (auto& thread : threads) {
    if (thread.get_id() == std::this_thread::get_id()) {
      thread.detach();
    } else if (left > 0) {
      thread.detach();  // cannot tell which ones are stuck: leave them all to the process exit
    } else {
      thread.join();
    }
  }
  return left;
}

void WorkerPool::reap_locked() {
  // A retired stand-in has left run() by the time another thread holds the lock: joining it
  // here is quick, and keeps finished threads (and their stacks) from piling up.
  for (auto id : retired_) {
    auto it = std::find_if(threads_.begin(), threads_.end(),
                           [&](const std::thread& thread) { return thread.get_id() == id; });
    if (it == threads_.end()) continue;
    it->join();
    threads_.erase(it);
  }
  retired_.clear();
}

std::size_t WorkerPool::thread_count() const {
  std::lock_guard lock(mu_);
  return live_;
}

}  // namespace agenthost::messaging
