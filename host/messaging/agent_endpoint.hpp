#pragma once
// One agent's request side: its handlers and its mailbox. Calls arrive from the socket loop
// (remote and raw-ZeroMQ callers) and straight from clients in this host; both land in the
// same queue and run on the worker pool (or on the socket thread that received them, which
// claims the drain), at most `concurrency` at a time.
//
// Life: created before the agent's configure() (so that serve() works there), held while the
// agent starts (calls queue up), opened when it is ready, held again during a reload, closed
// when it stops (queued calls are answered 503). wait_idle() lets the host make sure no
// handler still runs before the agent's code is unloaded.
//
// Threads: every method may be called from any thread.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>

#include "agenthost/messaging.hpp"
#include "messaging/call.hpp"
#include "messaging/handler_error_sink.hpp"
#include "messaging/request_observer.hpp"
#include "messaging/worker_pool.hpp"

namespace agenthost::messaging {

struct EndpointCounters {
  std::uint64_t handled = 0;        // handlers that returned
  std::uint64_t failed = 0;         // handlers that threw
  std::uint64_t no_such_method = 0;
  std::uint64_t expired = 0;        // deadline passed while queued
  std::uint64_t rejected = 0;       // answered 503: not serving
};

class AgentEndpoint : public std::enable_shared_from_this<AgentEndpoint> {
 public:
  AgentEndpoint(std::string name, int concurrency, WorkerPool& pool);

  const std::string& name() const noexcept { return name_; }

  void serve(std::string method, Handler handler);  // throws std::invalid_argument
  // Serves every method that has no handler of its own: a process agent's forwarder to its
  // program. Kept under the empty name, which no request can carry.
  void serve_any(Handler handler);

  void submit(CallPtr call);
  // Like submit(), but when the call would start a drain, the drain is not posted to the
  // pool: true means the caller must run it, on its own thread (run_claimed_drain()) or on
  // the pool (hand_claimed_drain_to_pool()).
  bool submit_claiming_drain(CallPtr call);
  void run_claimed_drain() { drain(); }
  void hand_claimed_drain_to_pool();
  void open();
  void hold();
  void close(const std::string& why);
  bool is_open() const;

  // Waits until no handler runs (after close or hold). False on timeout.
  bool wait_idle(std::chrono::milliseconds timeout);

  // Drops every handler: they are the agent's code, which is about to be unloaded.
  void clear_handlers();

  // A reload's new instance serves into a staged set while the old one still serves; the
  // host installs it (replacing every handler at once) when it switches, or drops it.
  void stage(std::string method, Handler handler);  // throws like serve()
  void install_staged();
  void discard_staged();

  // What `agenthost.health` answers: set by the host whenever the agent's state changes.
  void set_status_json(std::string json);
  std::string status_json() const;

  EndpointCounters counters() const;

  // Told of every request from now on (nullptr: nobody). The host sets it before the agent
  // is opened; it is kept alive by the endpoint while a worker uses it.
  void set_observer(std::shared_ptr<RequestObserver> observer);
  // Where a handler's exception is reported (the error bus); it must outlive the endpoint.
  void set_error_sink(HandlerErrorSink* sink) noexcept { error_sink_.store(sink, std::memory_order_release); }

 private:
  struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view name) const noexcept {
      return std::hash<std::string_view>{}(name);
    }
  };
  using HandlerMap = std::unordered_map<std::string, Handler, NameHash, std::equal_to<>>;
  enum class Mode { held, open, closed };

  static void check_method(const std::string& method, const Handler& handler);
  void schedule_locked();
  bool drain_wanted_locked() const;
  // Posts a drain that already counts in running_ (uncounted when the pool refuses it).
  void post_running_drain();
  void drain();
  void run(Call& call, const HandlerMap& handlers, RequestObserver* observer);
  // The method as a metrics label for a call refused while the agent is down (its handlers
  // may be gone): a view into method_names_, "" for one never served.
  std::string_view known_method_locked(std::string_view method) const;

  const std::string name_;
  const int concurrency_;
  WorkerPool& pool_;

  mutable std::mutex mu_;
  std::condition_variable idle_cv_;
  std::shared_ptr<const HandlerMap> handlers_;  // guarded by mu_; replaced, never modified
  HandlerMap staged_;                           // guarded by mu_
  std::deque<CallPtr> queue_;                   // guarded by mu_
  Mode mode_ = Mode::held;                      // guarded by mu_
  std::string closed_why_;                      // guarded by mu_
  int running_ = 0;                             // guarded by mu_: drains in flight (each
                                                // runs at most one handler at a time)
  int in_handler_ = 0;                          // guarded by mu_: drains inside a handler
  std::string status_json_;                     // guarded by mu_
  std::shared_ptr<RequestObserver> observer_;   // guarded by mu_
  std::atomic<HandlerErrorSink*> error_sink_{nullptr};
  // Every method ever served, kept after clear_handlers(): a call refused while the agent is
  // down is still counted under its method. Never erased, so views into it stay valid.
  std::set<std::string, std::less<>> method_names_;  // inserted under mu_

  std::atomic<std::uint64_t> handled_{0}, failed_{0}, no_such_method_{0}, expired_{0},
      rejected_{0};
};

}  // namespace agenthost::messaging
