#pragma once
// The central host's end of error forwarding (host.error_bus.listen): receives other hosts'
// batches (error_wire.hpp), records their events on this host's ErrorBus, and acknowledges.
//
// Each sender (machine + boot) is remembered with the last seq it delivered, so a batch sent
// again after a lost acknowledgement is not recorded twice. When a sender's `dropped` grows,
// the collector records one warning event saying how many events that host had to drop.
//
// Threads: one of its own owns the ROUTER socket; start()/stop() from the control thread.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <prometheus/counter.h>
#include <prometheus/registry.h>
#include <zmq.hpp>

#include "errors/error_bus.hpp"
#include "errors/error_wire.hpp"
#include "messaging/curve_security.hpp"
#include "messaging/wakeup.hpp"

namespace agenthost::errors {

class ErrorCollector {
 public:
  // `endpoint`: "tcp://0.0.0.0:7410". With `curve`, a tcp endpoint admits CURVE clients only.
  ErrorCollector(zmq::context_t& context, std::string endpoint, ErrorBus& bus, prometheus::Registry& registry,
                 std::shared_ptr<const messaging::CurveSettings> curve = nullptr);
  ~ErrorCollector();  // stop()
  ErrorCollector(const ErrorCollector&) = delete;
  ErrorCollector& operator=(const ErrorCollector&) = delete;

  // Binds; an error naming the address when that fails.
  std::optional<std::string> start();
  void stop();

  // What one batch does to the bus; the acknowledgement to send. Public for the unit tests.
  std::uint64_t accept(ErrorBatch batch);

 private:
  struct Sender {
    std::uint64_t last_seq = 0;
    std::uint64_t dropped = 0;
    std::chrono::steady_clock::time_point seen;
  };
  static constexpr std::size_t kMaxSenders = 1024;  // restarts of many hosts; the oldest go

  void run() noexcept;
  void receive(zmq::socket_t& socket);

  zmq::context_t& context_;
  const std::string endpoint_;
  const std::shared_ptr<const messaging::CurveSettings> curve_;
  ErrorBus& bus_;
  prometheus::Counter& received_;
  prometheus::Counter& malformed_;
  messaging::Wakeup wakeup_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::optional<zmq::socket_t> socket_;  // bound by start(), then the thread's own
  std::map<std::pair<std::string, std::string>, Sender> senders_;  // the thread's own (and accept()'s)
};

}  // namespace agenthost::errors
