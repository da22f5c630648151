#pragma once
// Calls a program's own endpoint in the AH1 protocol (docs/PROTOCOL.md): for the health
// probe and for forwarding the requests the host receives for a process agent.
//
// Threads: any; each call leases a DEALER socket from a small pool (sockets are not
// thread-safe) and puts it back after a reply. A socket whose reply did not come is closed
// (lazy pirate): a late reply then goes nowhere. The frames are messaging/wire_protocol's.

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <zmq.hpp>

#include "messaging/wakeup.hpp"

namespace agenthost::process {

struct Ah1Reply {
  int status = 0;  // the AH1 status code (200, 404, ...)
  std::string body;
};

class Ah1Caller {
 public:
  Ah1Caller(zmq::context_t& context, std::string endpoint);
  ~Ah1Caller();

  // std::nullopt when no well-formed reply came within `timeout`.
  std::optional<Ah1Reply> call(std::string_view method, std::string payload, std::chrono::milliseconds timeout);

  // Closes the idle sockets; calls after this open new ones.
  void close_all();

  // The program has ended: calls waiting for a reply return std::nullopt now, and later calls
  // at once (a caller is made per run of the program). Any thread.
  void interrupt() noexcept;

 private:
  std::unique_ptr<zmq::socket_t> lease();

  zmq::context_t& context_;
  const std::string endpoint_;
  std::mutex mu_;
  std::vector<std::unique_ptr<zmq::socket_t>> idle_;  // guarded by mu_
  messaging::Wakeup interrupted_;  // signalled once, never cleared: polled beside each reply
};

}  // namespace agenthost::process
