#pragma once
// What the host learns of every request to an agent: the method, the outcome, and the time
// its handler took. The metrics (host/observability/) are one observer; the messaging code
// knows nothing of them.

#include <string_view>

namespace agenthost::messaging {

class RequestObserver {
 public:
  virtual ~RequestObserver() = default;

  // Called once per request, on the thread that completed it (a worker, or the caller's
  // thread for a call refused at once); it must be cheap and must not throw. `method` is ""
  // when the agent does not serve the method asked for (callers choose that text: it must
  // not become a label). `status` is the wire status (wire_protocol.hpp); `handler_seconds`
  // is negative when no handler ran (404, 503, 504).
  virtual void observe(std::string_view method, int status, double handler_seconds) noexcept = 0;
};

}  // namespace agenthost::messaging
