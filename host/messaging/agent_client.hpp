#pragma once
// The host's Client (plugin-api messaging.hpp): resolves the target through the registry and
// takes the in-host fast path (the request object goes straight onto the target's queue) when
// the target runs in this host, tcp through the connection pool otherwise. Retries idempotent
// calls with back-off inside the deadline; keeps one circuit breaker per network endpoint.

#include <string>

#include "agenthost/messaging.hpp"
#include "messaging/messaging_host.hpp"

namespace agenthost::messaging {

class AgentClient final : public Client {
 public:
  AgentClient(MessagingHost& host, std::string caller, std::string target);

  const std::string& target() const override { return target_; }

  CallResult call(std::string_view method, std::string payload,
                  std::chrono::milliseconds deadline, CallOptions options = {}) override;
  void call_async(std::string_view method, std::string payload,
                  std::chrono::milliseconds deadline, Callback done,
                  CallOptions options = {}) override;
  using Client::call_async;

 private:
  CallResult attempt(std::string_view method, std::string payload, Clock::time_point deadline);
  CallResult call_in_host(AgentEndpoint& endpoint, std::string_view method, std::string payload,
                          Clock::time_point deadline);
  CallResult call_remote(const std::string& endpoint, std::string_view method,
                         std::string_view payload, Clock::time_point deadline);
  CallResult call_until(std::string_view method, std::string payload, Clock::time_point deadline,
                        CallOptions options);

  MessagingHost& host_;
  const std::string caller_;
  const std::string target_;
};

// The CallResult for a reply with `status` (a wire status or a kCaller* verdict).
CallResult to_call_result(int status, std::string body);

}  // namespace agenthost::messaging
