#pragma once
// Sends every local error event to the central host (host.error_bus.forward_to) over the
// AHERR1 wire (error_wire.hpp), at least once and in order.
//
// Events wait in a bounded buffer until the collector acknowledges them, so a collector that
// is away briefly (restarting, a network blip) loses nothing. When the buffer is full the
// oldest event is dropped: agenthost_error_bus_dropped_total counts it, the log says so once
// per outage, and the next batch tells the collector, which records how many it never got.
// A batch not acknowledged within ack_timeout is sent again on a new connection (the
// collector ignores events it already has, by seq).
//
// Threads: push() from any thread (never blocks on the network); one thread of its own owns
// the socket. start()/stop() from the host's control thread. stop() keeps sending for at
// most flush_timeout while the collector answers, then logs what it could not deliver.

#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <zmq.hpp>

#include "errors/error_event.hpp"
#include "messaging/curve_security.hpp"
#include "messaging/wakeup.hpp"

namespace agenthost::errors {

struct ForwarderOptions {
  std::string endpoint;  // "tcp://central:7410"
  std::size_t buffer = 10'000;
  std::size_t batch = 256;
  std::chrono::milliseconds ack_timeout{1000};
  std::chrono::milliseconds retry{100};  // pause before trying again when not connected
  std::chrono::milliseconds flush_timeout{1000};
  std::shared_ptr<const messaging::CurveSettings> curve;  // CURVE to a tcp collector, when set
};

class ErrorForwarder {
 public:
  ErrorForwarder(zmq::context_t& context, std::string machine, ForwarderOptions options,
                 prometheus::Registry& registry);
  ~ErrorForwarder();  // stop()
  ErrorForwarder(const ErrorForwarder&) = delete;
  ErrorForwarder& operator=(const ErrorForwarder&) = delete;

  void start();
  void stop();

  void push(const ErrorEvent& event) noexcept;

  std::size_t buffered() const;
  std::uint64_t dropped() const;

 private:
  using Clock = std::chrono::steady_clock;
  struct Batch {
    std::string payload;
    std::uint64_t last_seq = 0;
  };

  void run() noexcept;
  void loop();
  zmq::socket_t connect();
  std::optional<Batch> take_batch();  // a copy of the oldest events, up to options_.batch
  void acknowledge(std::uint64_t seq);
  void note_unreachable(std::string_view why);

  zmq::context_t& context_;
  const std::string machine_;
  const std::string boot_;
  const ForwarderOptions options_;
  prometheus::Counter& forwarded_;
  prometheus::Counter& dropped_total_;
  prometheus::Gauge& buffered_gauge_;
  messaging::Wakeup wakeup_;
  std::thread thread_;

  mutable std::mutex mu_;
  std::deque<ErrorEvent> buffer_;  // guarded; seq = the forwarding seq
  std::uint64_t next_seq_ = 1;     // guarded
  std::uint64_t dropped_ = 0;      // guarded; since this host booted
  bool stopping_ = false;          // guarded
  bool reachable_ = true;          // guarded; false from a failed send or ack until an ack
  bool drop_warned_ = false;       // guarded; the log said "dropping" in this outage
};

}  // namespace agenthost::errors
