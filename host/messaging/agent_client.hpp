#pragma once
// The host's Client (plugin-api messaging.hpp): resolves the target through the registry and
// takes the in-host fast path (the request object goes straight onto the target's queue) when
// the target runs in this host, tcp through the connection pool otherwise. A target with
// instances on several machines (replicas) gets each call at the instance with the fewest
// calls outstanding (instance_choice.hpp). Retries idempotent calls with back-off inside the
// deadline, on another instance when there is one; keeps one circuit breaker per endpoint.

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

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
  // `failed`: the endpoints this call has failed on so far; an attempt that fails adds its own.
  CallResult attempt(std::string_view method, std::string payload, Clock::time_point deadline,
                     std::vector<std::string>& failed);
  CallResult no_instance(const std::vector<RegistryEntry>& instances) const;
  // A call goes to the target's instance in this host without looking at other instances.
  bool takes_local_at_once(AgentEndpoint& local) const;
  CallResult call_in_host(AgentEndpoint& endpoint, std::string_view method, std::string payload,
                          Clock::time_point deadline);
  CallResult call_remote(const std::string& endpoint, std::string_view method,
                         std::string_view payload, Clock::time_point deadline);
  CallResult call_until(std::string_view method, std::string payload, Clock::time_point deadline,
                        CallOptions options);

  MessagingHost& host_;
  const std::string caller_;
  const std::string target_;
  const std::string local_key_;           // inproc://agent/TARGET
  MessagingHost::CalledEndpoint& local_;  // calls in flight to the target in this host
  std::atomic<std::uint64_t> turn_{0};    // rotates ties between replicas
};

// The CallResult for a reply with `status` (a wire status or a kCaller* verdict).
CallResult to_call_result(int status, std::string body);

}  // namespace agenthost::messaging
