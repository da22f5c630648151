#pragma once
// A caller that sends one AH1 request after the other to an agent over tcp (a ZeroMQ DEALER,
// as any client would), on a thread of its own, and keeps every call's latency and outcome.
// Bounded: it stops after `max_calls` or `max_time`, whichever comes first, or on stop().

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace agenthost::bench {

using Clock = std::chrono::steady_clock;

struct CallRecord {
  Clock::time_point sent;
  std::chrono::nanoseconds latency{0};
  bool ok = false;  // a 200 reply that `reply_ok` accepted
};

class Caller {
 public:
  struct Plan {
    std::string endpoint;  // tcp://127.0.0.66:17451
    std::string method, payload;
    std::function<bool(const std::string&)> reply_ok = [](const std::string&) { return true; };
    std::size_t max_calls = 200'000;
    std::chrono::seconds max_time{120};
    int timeout_ms = 3000;  // one call's deadline: a call without a reply by then is lost
  };
  explicit Caller(Plan plan);
  ~Caller();  // stop()
  Caller(const Caller&) = delete;
  Caller& operator=(const Caller&) = delete;

  void stop();
  // Waits for the first reply, sent after this call, whose payload is `answer`; the time it
  // came, or nullopt at `deadline`.
  std::optional<Clock::time_point> wait_for_answer(const std::string& answer, Clock::time_point deadline);
  // After stop(): every call made.
  const std::vector<CallRecord>& records() const { return records_; }

 private:
  void run();

  const Plan plan_;
  std::atomic<bool> stop_{false};
  std::vector<CallRecord> records_;  // the caller thread's until stop()
  std::mutex mu_;
  std::condition_variable cv_;
  std::optional<std::string> watched_;         // guarded by mu_
  std::optional<Clock::time_point> watch_hit_;  // guarded by mu_
  Clock::time_point watch_from_;                // guarded by mu_
  std::thread thread_;
};

}  // namespace agenthost::bench
