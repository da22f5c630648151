#pragma once
// Where an endpoint reports a request handler that threw (the error bus, host/errors/). The
// messaging code knows nothing of it beyond this.

#include <string>
#include <string_view>

namespace agenthost::messaging {

class HandlerErrorSink {
 public:
  virtual ~HandlerErrorSink() = default;

  // Called on the worker thread that ran the handler, after the caller got its error reply.
  // Must not throw; may take a lock briefly.
  virtual void handler_failed(const std::string& agent, std::string_view method,
                              std::string_view what) noexcept = 0;
};

}  // namespace agenthost::messaging
