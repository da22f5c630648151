#include "messaging/agent_client.hpp"

#include <algorithm>
#include <climits>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "messaging/instance_choice.hpp"
#include "messaging/wire_protocol.hpp"

namespace agenthost::messaging {
namespace {

// The in-host fast path's call for a waiting caller: the handler's thread hands the reply
// over through a condition variable, after a short spin that catches quick handlers without
// the cost of sleeping.
class WaitingCall final : public Call {
 public:
  using Call::Call;

  // True when a reply (or a 5xx) was delivered before `deadline`.
  bool wait_until(Clock::time_point deadline) {
    for (int spin = 0; spin < kSpins; ++spin) {
      if (delivered_.load(std::memory_order_acquire)) return true;
      __builtin_ia32_pause();
    }
    std::unique_lock lock(mu_);
    return cv_.wait_until(lock, deadline, [&] { return delivered_.load(std::memory_order_acquire); });
  }
  void wait() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return delivered_.load(std::memory_order_acquire); });
  }

  int status = 0;
  std::string body;

 private:
  static constexpr int kSpins = 2000;  // ~10-20 us: about one handler hand-off

  void deliver(int code, std::string reply) noexcept override {
    status = code;
    body = std::move(reply);
    {
      std::lock_guard lock(mu_);
      delivered_.store(true, std::memory_order_release);
    }
    cv_.notify_one();
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<bool> delivered_{false};
};

// The in-host fast path's call for an asynchronous caller: the callback runs where the call
// completes (the handler's worker, or the deadline watch).
class CallbackCall final : public Call {
 public:
  CallbackCall(std::string method, std::string payload, std::string caller,
               Clock::time_point deadline, Client::Callback done, std::atomic<int>& outstanding)
      : Call(std::move(method), std::move(payload), std::move(caller), deadline),
        done_(std::move(done)),
        outstanding_(outstanding) {
    outstanding_.fetch_add(1, std::memory_order_relaxed);
  }

 private:
  void deliver(int status, std::string body) noexcept override {
    outstanding_.fetch_sub(1, std::memory_order_relaxed);
    try {
      done_(to_call_result(status, std::move(body)));
    } catch (...) {
      // A callback that throws has nowhere to report to; the call itself is complete.
    }
  }
  Client::Callback done_;
  std::atomic<int>& outstanding_;  // the host's, which outlives every call
};

// Counts a call in flight to one endpoint for as long as it lives.
class Outstanding {
 public:
  explicit Outstanding(std::atomic<int>& count) : count_(count) { count_.fetch_add(1, std::memory_order_relaxed); }
  ~Outstanding() { count_.fetch_sub(1, std::memory_order_relaxed); }
  Outstanding(const Outstanding&) = delete;
  Outstanding& operator=(const Outstanding&) = delete;

 private:
  std::atomic<int>& count_;
};

bool contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

std::string correlation_id() {
  static std::atomic<std::uint64_t> next{1};
  return std::to_string(next.fetch_add(1, std::memory_order_relaxed));
}

}  // namespace

CallResult to_call_result(int status, std::string body) {
  CallResult result;
  result.code = status >= 100 ? status : 0;
  switch (status) {
    case kOk:
      result.status = CallStatus::ok;
      result.payload = std::move(body);
      return result;
    case kCallerGaveUp:
    case kDeadlineExpired:
      result.status = CallStatus::timeout;
      break;
    case kCallerCannotSend:
    case kNotServing:
      result.status = CallStatus::unavailable;
      break;
    default:
      result.status = CallStatus::remote_error;
      break;
  }
  result.error = std::move(body);
  return result;
}

AgentClient::AgentClient(MessagingHost& host, std::string caller, std::string target)
    : host_(host),
      caller_(std::move(caller)),
      target_(std::move(target)),
      local_key_("inproc://agent/" + target_),
      local_(host_.called(local_key_)) {}

CallResult AgentClient::call(std::string_view method, std::string payload,
                             std::chrono::milliseconds deadline, CallOptions options) {
  return call_until(method, std::move(payload), Clock::now() + deadline, options);
}

CallResult AgentClient::call_until(std::string_view method, std::string payload,
                                   Clock::time_point deadline, CallOptions options) {
  const int attempts = options.idempotent ? std::max(1, options.max_attempts) : 1;
  auto backoff = host_.options().client.retry_backoff;
  std::vector<std::string> failed;
  for (int tries = 1;; ++tries) {
    const bool last = tries >= attempts;
    // The payload is moved on the last attempt: the only one for a call that is not retried.
    CallResult result = attempt(method, last ? std::move(payload) : payload, deadline, failed);
    if (last || (result.status != CallStatus::timeout && result.status != CallStatus::unavailable)) {
      return result;
    }
    if (Clock::now() + backoff >= deadline) return result;
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, host_.options().client.retry_backoff_max);
  }
}

bool AgentClient::takes_local_at_once(AgentEndpoint& local) const {
  // The common case, without a registry lookup: the target runs here and nothing has a
  // replica, or this host's instance is serving and idle (least outstanding would choose it).
  return !host_.registry().has_replicas() ||
         (local_.outstanding.load(std::memory_order_relaxed) == 0 && local.is_open());
}

CallResult AgentClient::attempt(std::string_view method, std::string payload,
                                Clock::time_point deadline, std::vector<std::string>& failed) {
  auto local = host_.started_endpoint(target_);
  CallResult result;
  std::string used;  // the endpoint this attempt went to
  if (local && failed.empty() && takes_local_at_once(*local)) {
    used = local_key_;
    result = call_in_host(*local, method, std::move(payload), deadline);
  } else {
    const auto instances = host_.registry().instances(target_);
    std::vector<InstanceCandidate> candidates;
    std::vector<std::pair<const RegistryEntry*, MessagingHost::CalledEndpoint*>> remote;
    if (local) {
      candidates.push_back({local_.outstanding.load(std::memory_order_relaxed), true,
                            contains(failed, local_key_) || !local->is_open()});
    }
    const auto now = Clock::now();
    for (const auto& entry : instances) {
      if (entry.machine == host_.registry().machine() || !entry.ready || entry.endpoint.empty()) continue;
      auto& called = host_.called(entry.endpoint);
      const bool open = called.breaker.state(now) == CircuitBreaker::State::open;
      candidates.push_back({called.outstanding.load(std::memory_order_relaxed), false,
                            open || contains(failed, entry.endpoint)});
      remote.emplace_back(&entry, &called);
    }
    const auto chosen = choose_instance(candidates, turn_.fetch_add(1, std::memory_order_relaxed));
    if (chosen == kNoInstance) return no_instance(instances);
    if (local && chosen == 0) {
      used = local_key_;
      result = call_in_host(*local, method, std::move(payload), deadline);
    } else {
      const auto& [entry, called] = remote[chosen - (local ? 1 : 0)];
      used = entry->endpoint;
      Outstanding in_flight(called->outstanding);
      result = call_remote(entry->endpoint, method, payload, deadline);
    }
  }
  if (result.status == CallStatus::timeout || result.status == CallStatus::unavailable ||
      result.status == CallStatus::circuit_open)
    failed.push_back(std::move(used));
  return result;
}

CallResult AgentClient::no_instance(const std::vector<RegistryEntry>& instances) const {
  if (instances.empty()) {
    return to_call_result(kCallerCannotSend,
                          fmt::format("no agent named '{}' is known to the registry", target_));
  }
  std::vector<std::string> machines;
  bool any_ready = false;
  for (const auto& entry : instances) {
    machines.push_back(entry.machine);
    any_ready |= entry.ready;
  }
  if (!any_ready) {
    return to_call_result(kCallerCannotSend, fmt::format("agent '{}' on {} is not ready", target_,
                                                         fmt::join(machines, ", ")));
  }
  return to_call_result(kCallerCannotSend,
                        fmt::format("agent '{}' on {} has no network endpoint (give it a port, or "
                                    "port: auto)",
                                    target_, fmt::join(machines, ", ")));
}

CallResult AgentClient::call_in_host(AgentEndpoint& endpoint, std::string_view method,
                                     std::string payload, Clock::time_point deadline) {
  auto call = std::make_shared<WaitingCall>(std::string(method), std::move(payload), caller_, deadline);
  Outstanding in_flight(local_.outstanding);
  endpoint.submit(call);
  WorkerPool::BlockingScope blocking(host_.workers());
  if (!call->wait_until(deadline)) {
    if (call->complete(kCallerGaveUp, "")) {
      return to_call_result(kCallerGaveUp,
                            fmt::format("no reply from '{}' to '{}' within the deadline", target_,
                                        method));
    }
    call->wait();  // the reply won the race and is being handed over
  }
  return to_call_result(call->status, std::move(call->body));
}

CallResult AgentClient::call_remote(const std::string& address, std::string_view method,
                                    std::string_view payload, Clock::time_point deadline) {
  auto& breaker = host_.breaker(address);
  if (!breaker.allow(Clock::now())) {
    CallResult result;
    result.status = CallStatus::circuit_open;
    result.error = fmt::format("circuit to '{}' at {} is open after repeated failures", target_,
                               address);
    return result;
  }
  // Rounded up: the last fraction of a millisecond is waited for in poll(), not spun through.
  auto remaining = [&] {
    return std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
  };
  CallResult result;
  try {
    auto lease = host_.sockets().lease(address, zmq::socket_type::dealer,
                                       std::max(remaining(), std::chrono::milliseconds(0)));
    auto& socket = lease.socket();
    const std::string id = correlation_id();
    Frames request = make_request(method, payload, remaining(), id);
    // The send waits for a connection (ZMQ_IMMEDIATE): at most connect_timeout, so that a
    // host that is gone fails the attempt early and a retry can go to another replica.
    const auto connect_wait = std::min(remaining(), host_.options().client.connect_timeout);
    socket.set(zmq::sockopt::sndtimeo, static_cast<int>(std::max<long long>(connect_wait.count(), 0)));
    if (!zmq::send_multipart(socket, request)) {
      result = to_call_result(kCallerCannotSend,
                              fmt::format("cannot reach '{}' at {}: no connection within {} ms", target_,
                                          address, connect_wait.count()));
    } else {
      // A blocking receive with a receive timeout: ZeroMQ sleeps in one poll(2) for the
      // reply, where zmq_poll() and a non-blocking receive took three system calls.
      bool answered = false;
      Frames frames;
      for (auto left = remaining(); left.count() > 0; left = remaining()) {
        socket.set(zmq::sockopt::rcvtimeo, static_cast<int>(std::min<long long>(left.count(), INT_MAX)));
        frames.clear();
        if (!zmq::recv_multipart(socket, std::back_inserter(frames))) continue;  // timed out
        auto reply = parse_reply(frames);
        if (!reply || reply->correlation != id) continue;  // late reply to an earlier call
        result = to_call_result(reply->status, std::move(reply->body));
        answered = true;
        break;
      }
      socket.set(zmq::sockopt::rcvtimeo, -1);  // the pooled socket goes back as it came
      if (!answered) {
        result = to_call_result(kCallerGaveUp, fmt::format("no reply from '{}' at {} to '{}' within "
                                                            "the deadline", target_, address, method));
      }
    }
  } catch (const std::exception& e) {
    result = to_call_result(kCallerCannotSend, fmt::format("cannot call '{}' at {}: {}", target_,
                                                           address, e.what()));
  }
  if (result.status == CallStatus::timeout || result.status == CallStatus::unavailable) {
    breaker.record_failure(Clock::now());
  } else {
    breaker.record_success();
  }
  return result;
}

void AgentClient::call_async(std::string_view method, std::string payload,
                             std::chrono::milliseconds deadline, Callback done,
                             CallOptions options) {
  const auto at = Clock::now() + deadline;
  if (!options.idempotent || options.max_attempts <= 1) {
    auto endpoint = host_.started_endpoint(target_);
    if (endpoint && takes_local_at_once(*endpoint)) {
      std::shared_ptr<Call> call(new CallbackCall(std::string(method), std::move(payload), caller_, at,
                                                  std::move(done), local_.outstanding));
      host_.deadlines().watch(call);
      endpoint->submit(std::move(call));
      return;
    }
  }
  // Remote and retried calls block a worker for their duration (marked as blocking, so the
  // pool stays able to run handlers).
  auto shared_done = std::make_shared<Callback>(std::move(done));
  const bool queued = host_.workers().post([this, method = std::string(method),
                                            payload = std::move(payload), at, shared_done,
                                            options]() mutable {
    WorkerPool::BlockingScope blocking(host_.workers());
    CallResult result = call_until(method, std::move(payload), at, options);
    try {
      (*shared_done)(std::move(result));
    } catch (...) {
    }
  });
  if (!queued) {  // the host is stopping: answer now, so that `done` still runs exactly once
    try {
      (*shared_done)(to_call_result(kCallerCannotSend, "the host is stopping"));
    } catch (...) {
    }
  }
}

}  // namespace agenthost::messaging
