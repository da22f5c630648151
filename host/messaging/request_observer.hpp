#pragma once
// What the host learns of every request to an agent: the method, the outcome, and the time
// its handler took. The metrics (host/observability/) are one observer; the messaging code
// knows nothing of them.

#include <chrono>
#include <string_view>

namespace agenthost::messaging {

class RequestObserver {
 public:
  virtual ~RequestObserver() = default;

  // Called once per request, on the thread that completed it (a worker, or the caller's
  // thread for a call refused at once); it must be cheap and must not throw. `method` is ""
  // when the agent does not serve the method asked for (callers choose that text: it must
  // not become a label). `status` is the wire status (wire_protocol.hpp); `handler_time` is
  // negative when no handler ran (404, 503, 504). Integer nanoseconds, as the clock reads:
  // no conversion on the request's path.
  virtual void observe(std::string_view method, int status,
                       std::chrono::nanoseconds handler_time) noexcept = 0;
};

// `handler_time` of a request that ran no handler.
inline constexpr std::chrono::nanoseconds kNoHandlerTime{-1};

}  // namespace agenthost::messaging
