#include "messaging/agent_endpoint.hpp"

#include "supervision/crash_marker.hpp"

#include <stdexcept>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "messaging/forwarded_reply.hpp"
#include "messaging/wire_protocol.hpp"

namespace agenthost::messaging {
namespace {
// Calls one drain takes before it goes to the back of the pool's queue: other agents get
// their turn, and a busy agent still pays for one pool hand-off per batch, not per call.
constexpr int kDrainBatch = 64;
}  // namespace

AgentEndpoint::AgentEndpoint(std::string name, int concurrency, WorkerPool& pool)
    : name_(std::move(name)),
      concurrency_(concurrency < 1 ? 1 : concurrency),
      pool_(pool),
      handlers_(std::make_shared<HandlerMap>()) {}

void AgentEndpoint::check_method(const std::string& method, const Handler& handler) {
  if (method.empty()) throw std::invalid_argument("serve(): the method name is empty");
  if (method.size() > kMaxMethodBytes) {
    throw std::invalid_argument(fmt::format("serve(): method '{}' is longer than {} bytes",
                                            method, kMaxMethodBytes));
  }
  if (method.starts_with(kReservedPrefix)) {
    throw std::invalid_argument(
        fmt::format("serve(): '{}' is reserved: names starting with 'agenthost.' belong to the host",
                    method));
  }
  if (!handler) throw std::invalid_argument(fmt::format("serve(): no handler for '{}'", method));
}

void AgentEndpoint::serve(std::string method, Handler handler) {
  check_method(method, handler);
  std::lock_guard lock(mu_);
  method_names_.insert(method);
  auto next = std::make_shared<HandlerMap>(*handlers_);
  (*next)[std::move(method)] = std::move(handler);
  handlers_ = std::move(next);
}

void AgentEndpoint::serve_any(Handler handler) {
  if (!handler) throw std::invalid_argument("serve_any(): no handler");
  std::lock_guard lock(mu_);
  auto next = std::make_shared<HandlerMap>(*handlers_);
  (*next)[std::string()] = std::move(handler);
  handlers_ = std::move(next);
}

void AgentEndpoint::submit(CallPtr call) {
  std::unique_lock lock(mu_);
  if (mode_ == Mode::closed) {
    std::string why = closed_why_;
    auto observer = observer_;
    const auto method = known_method_locked(call->method);
    lock.unlock();
    rejected_.fetch_add(1, std::memory_order_relaxed);
    call->complete(kNotServing, std::move(why));
    if (observer) observer->observe(method, kNotServing, kNoHandlerTime);
    return;
  }
  queue_.push_back(std::move(call));
  schedule_locked();
}

bool AgentEndpoint::submit_claiming_drain(CallPtr call) {
  std::unique_lock lock(mu_);
  if (mode_ != Mode::open) {
    lock.unlock();
    submit(std::move(call));
    return false;
  }
  queue_.push_back(std::move(call));
  const bool claimed = drain_wanted_locked();
  if (claimed) ++running_;
  schedule_locked();
  return claimed;
}

void AgentEndpoint::hand_claimed_drain_to_pool() { post_running_drain(); }

void AgentEndpoint::post_running_drain() {
  if (!pool_.post([self = shared_from_this()] { self->drain(); })) {
    // The host is stopping: the calls stay queued until close() answers them.
    std::lock_guard lock(mu_);
    if (--running_ == 0) idle_cv_.notify_all();
  }
}

bool AgentEndpoint::drain_wanted_locked() const {
  // Drains that are not inside a handler will take queued calls; another is wanted only for
  // the calls beyond those, up to the agent's concurrency.
  return running_ < concurrency_ && queue_.size() > static_cast<std::size_t>(running_ - in_handler_);
}

void AgentEndpoint::schedule_locked() {
  if (mode_ != Mode::open) return;
  while (drain_wanted_locked()) {
    ++running_;
    if (!pool_.post([self = shared_from_this()] { self->drain(); })) {
      --running_;  // the host is stopping: the calls stay queued until close() answers them
      return;
    }
  }
}

void AgentEndpoint::drain() {
  // Copied when it changes, not per call: two atomic counts on a shared control block per
  // request were a measurable part of what the metrics cost.
  std::shared_ptr<RequestObserver> observer;
  std::unique_lock lock(mu_);
  for (int taken = 0; taken < kDrainBatch; ++taken) {
    if (mode_ != Mode::open || queue_.empty()) {
      --running_;
      if (running_ == 0) idle_cv_.notify_all();
      return;
    }
    CallPtr call = std::move(queue_.front());
    queue_.pop_front();
    std::shared_ptr<const HandlerMap> handlers = handlers_;
    if (observer != observer_) observer = observer_;
    ++in_handler_;
    lock.unlock();
    run(*call, *handlers, observer.get());
    call.reset();
    lock.lock();
    --in_handler_;
  }
  // Batch used up: requeue behind the other agents' work, keeping this drain's slot.
  lock.unlock();
  post_running_drain();
}

void AgentEndpoint::run(Call& call, const HandlerMap& handlers, RequestObserver* observer) {
  auto it = handlers.find(std::string_view(call.method));
  if (it == handlers.end() && !call.method.empty()) it = handlers.find(std::string_view());  // serve_any()
  // The label: a view into the handler map (which outlives this call), "" when not served.
  // serve_any() forwards to a program that knows its methods: the call's own name, unless
  // the program answers that it has no such method.
  const bool forwarded = it != handlers.end() && it->first.empty();
  std::string_view method = it == handlers.end() ? std::string_view() : forwarded ? std::string_view(call.method) : it->first;
  if (call.completed()) {  // the caller's deadline already answered it
    if (observer) observer->observe(method, kDeadlineExpired, kNoHandlerTime);
    return;
  }
  // Read after the call was taken from the queue: a reading from before it arrived could let
  // a call whose deadline has passed run. It is also the handler's start.
  const auto began = Clock::now();
  if (began > call.deadline) {
    expired_.fetch_add(1, std::memory_order_relaxed);
    call.complete(kDeadlineExpired, "the deadline passed before the handler ran");
    if (observer) observer->observe(method, kDeadlineExpired, kNoHandlerTime);
    return;
  }
  if (it == handlers.end()) {
    no_such_method_.fetch_add(1, std::memory_order_relaxed);
    call.complete(kNoSuchMethod, fmt::format("agent '{}' has no method '{}'", name_, call.method));
    if (observer) observer->observe(method, kNoSuchMethod, kNoHandlerTime);
    return;
  }
  Request request{call.method, std::move(call.payload), call.caller, call.deadline};
  int status = kOk;
  std::string reply;
  bool reported_there = false;
  try {
    supervision::AgentCodeScope in_agent(name_.c_str());
    reply = it->second(request);
    handled_.fetch_add(1, std::memory_order_relaxed);
  } catch (const ForwardedReply& answered) {
    status = answered.status;
    reply = answered.body;
    // Only a failure of the program is one to report, and only once.
    reported_there = answered.reported_there || answered.status != kHandlerFailed;
    if (status == kNoSuchMethod) method = {};
  } catch (const std::exception& e) {
    status = kHandlerFailed;
    reply = e.what();
  } catch (...) {
    status = kHandlerFailed;
    reply = "the handler threw something that is not a std::exception";
  }
  // The end is read only when someone looks (~27 ns a reading in this VM).
  const auto handler_time = observer ? Clock::now() - began : kNoHandlerTime;
  if (status != kOk) {
    failed_.fetch_add(1, std::memory_order_relaxed);
    // The caller gets its reply first; the report (a lock, a log line) comes after.
    std::string what = reply;
    call.complete(status, std::move(reply));
    if (auto* sink = error_sink_.load(std::memory_order_acquire); sink && !reported_there)
      sink->handler_failed(name_, method, what);
  } else {
    call.complete(status, std::move(reply));
  }
  if (observer) observer->observe(method, status, handler_time);
}

std::string_view AgentEndpoint::known_method_locked(std::string_view method) const {
  auto it = method_names_.find(method);
  return it == method_names_.end() ? std::string_view() : std::string_view(*it);
}

void AgentEndpoint::set_observer(std::shared_ptr<RequestObserver> observer) {
  std::lock_guard lock(mu_);
  observer_ = std::move(observer);
}

void AgentEndpoint::open() {
  std::lock_guard lock(mu_);
  mode_ = Mode::open;  // also after close(): a restarted agent serves on the same endpoint
  schedule_locked();
}

void AgentEndpoint::hold() {
  std::lock_guard lock(mu_);
  if (mode_ == Mode::open) mode_ = Mode::held;
}

void AgentEndpoint::close(const std::string& why) {
  std::deque<CallPtr> queued;
  std::vector<std::string_view> methods;
  std::shared_ptr<RequestObserver> observer;
  {
    std::lock_guard lock(mu_);
    mode_ = Mode::closed;
    closed_why_ = fmt::format("agent '{}' is not serving: {}", name_, why);
    queued.swap(queue_);
    observer = observer_;
    for (const auto& call : queued) methods.push_back(known_method_locked(call->method));
  }
  for (std::size_t i = 0; i < queued.size(); ++i) {
    auto& call = queued[i];
    const auto method = methods[i];
    rejected_.fetch_add(1, std::memory_order_relaxed);
    call->complete(kNotServing, fmt::format("agent '{}' is not serving: {}", name_, why));
    if (observer) observer->observe(method, kNotServing, kNoHandlerTime);
  }
}

bool AgentEndpoint::is_open() const {
  std::lock_guard lock(mu_);
  return mode_ == Mode::open;
}

bool AgentEndpoint::wait_idle(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return idle_cv_.wait_for(lock, timeout, [&] { return running_ == 0; });
}

void AgentEndpoint::clear_handlers() {
  std::shared_ptr<const HandlerMap> old;
  {
    std::lock_guard lock(mu_);
    old = std::exchange(handlers_, std::make_shared<HandlerMap>());
  }
  // `old` is destroyed here, outside the lock (a handler's captures may do anything).
}

void AgentEndpoint::stage(std::string method, Handler handler) {
  check_method(method, handler);
  std::lock_guard lock(mu_);
  method_names_.insert(method);
  staged_[std::move(method)] = std::move(handler);
}

void AgentEndpoint::install_staged() {
  std::shared_ptr<const HandlerMap> old;
  {
    std::lock_guard lock(mu_);
    old = std::exchange(handlers_, std::make_shared<HandlerMap>(std::move(staged_)));
    staged_.clear();
  }
}

void AgentEndpoint::discard_staged() {
  HandlerMap dropped;
  {
    std::lock_guard lock(mu_);
    dropped.swap(staged_);
  }
}

void AgentEndpoint::set_status_json(std::string json) {
  std::lock_guard lock(mu_);
  status_json_ = std::move(json);
}

std::string AgentEndpoint::status_json() const {
  std::lock_guard lock(mu_);
  return status_json_;
}

EndpointCounters AgentEndpoint::counters() const {
  return {handled_.load(std::memory_order_relaxed), failed_.load(std::memory_order_relaxed),
          no_such_method_.load(std::memory_order_relaxed), expired_.load(std::memory_order_relaxed),
          rejected_.load(std::memory_order_relaxed)};
}

}  // namespace agenthost::messaging
