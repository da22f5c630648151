#pragma once
// Requests between agents: serving methods and calling other agents.
//
// An agent serves methods with AgentContext::serve() and calls other agents with
// AgentContext::client("Name").call(...). Whether the other agent runs in the same host (the
// request is handed straight to its queue, no socket, no copy) or on another machine (tcp),
// and whether it is a plugin or a Python program speaking docs/PROTOCOL.md, the call looks
// the same.

#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <string_view>

namespace agenthost {

using Clock = std::chrono::steady_clock;

// One incoming request, as a handler sees it. The payload is the caller's bytes, moved (never
// copied on an in-host call); a handler may move it out.
struct Request {
  std::string_view method;
  std::string payload;
  std::string_view caller;   // the calling agent's name; "" for callers outside agenthost
  Clock::time_point deadline;  // the caller gives up at this time; time_point::max() = none
};

// A handler returns the reply payload. To answer with an error, throw: the caller gets
// CallStatus::remote_error with the exception's what() (and the host counts the error).
//
// Threads: handlers run on the host's worker pool, or on the host thread that received the
// request from a socket. That thread hands its socket duty to another thread first, or, while
// requests keep coming, only once the handler has run 2 ms: a handler may block, and holds
// up other agents' socket requests by at most ~4 ms. The handlers of one agent run one at a
// time unless its config sets `concurrency: N`; a handler may call other agents (a blocked
// worker is replaced while it waits).
using Handler = std::function<std::string(Request&)>;

// How a call ended. Every failure is distinct, so a caller can tell "the agent is slow" from
// "the agent is not there" from "the agent said no".
enum class CallStatus {
  ok,            // the handler returned; CallResult::payload is its reply
  timeout,       // no reply before the deadline (the request may still have been handled)
  unavailable,   // no ready instance of the agent is known, or it could not be reached
  circuit_open,  // recent calls to this endpoint failed; the call was not sent (fail fast)
  remote_error,  // the agent answered with an error: it threw, or it has no such method
};

const char* to_string(CallStatus status) noexcept;

struct CallResult {
  CallStatus status = CallStatus::unavailable;
  std::string payload;  // the reply when ok
  std::string error;    // why, otherwise (for remote_error: the remote agent's message)
  int code = 0;         // the protocol status code when a reply arrived (docs/PROTOCOL.md)

  bool ok() const noexcept { return status == CallStatus::ok; }
};

struct CallOptions {
  // Only an idempotent call is retried (after a timeout or an unavailable endpoint): the host
  // cannot know whether a request that timed out was handled. When the target has replicas,
  // a retry goes to another instance than the ones that failed, while there is one.
  bool idempotent = false;
  int max_attempts = 3;  // for idempotent calls, within the deadline
};

// A handle for calling one agent by name, from AgentContext::client(). It is owned by the
// context and lives as long as the agent; every method is thread-safe. When the agent runs on
// several machines (replicas: `machine: [pc2, pc3]`), each call goes to one ready instance:
// the one with the fewest calls outstanding from this host, this host's own on a tie.
class Client {
 public:
  using Callback = std::function<void(CallResult)>;

  virtual ~Client() = default;

  virtual const std::string& target() const = 0;

  // Blocks until the reply, a failure, or the deadline.
  virtual CallResult call(std::string_view method, std::string payload,
                          std::chrono::milliseconds deadline, CallOptions options = {}) = 0;

  // Returns at once; `done` runs exactly once with the result, on a host thread (keep it
  // short: it may run on the thread that handled the request).
  virtual void call_async(std::string_view method, std::string payload,
                          std::chrono::milliseconds deadline, Callback done,
                          CallOptions options = {}) = 0;

  std::future<CallResult> call_async(std::string_view method, std::string payload,
                                     std::chrono::milliseconds deadline,
                                     CallOptions options = {}) {
    auto promise = std::make_shared<std::promise<CallResult>>();
    auto future = promise->get_future();
    call_async(method, std::move(payload), deadline,
               [promise](CallResult result) { promise->set_value(std::move(result)); }, options);
    return future;
  }
};

inline const char* to_string(CallStatus status) noexcept {
  switch (status) {
    case CallStatus::ok: return "ok";
    case CallStatus::timeout: return "timeout";
    case CallStatus::unavailable: return "unavailable";
    case CallStatus::circuit_open: return "circuit_open";
    case CallStatus::remote_error: return "remote_error";
  }
  return "unknown";
}

}  // namespace agenthost
