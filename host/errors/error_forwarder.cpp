#include "errors/error_forwarder.hpp"

#include <array>

#include <spdlog/spdlog.h>

#include "errors/error_wire.hpp"
#include "messaging/boot_id.hpp"

namespace agenthost::errors {

ErrorForwarder::ErrorForwarder(zmq::context_t& context, std::string machine, ForwarderOptions options,
                               prometheus::Registry& registry)
    : context_(context),
      machine_(std::move(machine)),
      boot_(messaging::make_boot_id()),
      options_(std::move(options)),
      forwarded_(prometheus::BuildCounter()
                     .Name("agenthost_error_bus_forwarded_total")
                     .Help("Error events the central host (host.error_bus.forward_to) acknowledged")
                     .Register(registry)
                     .Add({})),
      dropped_total_(prometheus::BuildCounter()
                         .Name("agenthost_error_bus_dropped_total")
                         .Help("Error events dropped unsent because the forwarding buffer was full")
                         .Register(registry)
                         .Add({})),
      buffered_gauge_(prometheus::BuildGauge()
                          .Name("agenthost_error_bus_buffered")
                          .Help("Error events waiting to be acknowledged by the central host")
                          .Register(registry)
                          .Add({})) {}

ErrorForwarder::~ErrorForwarder() { stop(); }

void ErrorForwarder::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { run(); });
}

void ErrorForwarder::stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wakeup_.signal();
  thread_.join();
}

void ErrorForwarder::push(const ErrorEvent& event) noexcept {
  try {
    bool first_drop = false;
    {
      std::lock_guard lock(mu_);
      if (buffer_.size() >= options_.buffer) {
        buffer_.pop_front();
        ++dropped_;
        first_drop = !drop_warned_;
        drop_warned_ = true;
        dropped_total_.Increment();
      }
      buffer_.push_back(event);
      buffer_.back().seq = next_seq_++;
      buffered_gauge_.Set(static_cast<double>(buffer_.size()));
    }
    if (first_drop) {
      spdlog::warn("error bus: the forwarding buffer ({} events) is full; dropping the oldest until {} "
                   "acknowledges (agenthost_error_bus_dropped_total counts them)",
                   options_.buffer, options_.endpoint);
    }
    wakeup_.signal();
  } catch (...) {
  }
}

std::size_t ErrorForwarder::buffered() const {
  std::lock_guard lock(mu_);
  return buffer_.size();
}

std::uint64_t ErrorForwarder::dropped() const {
  std::lock_guard lock(mu_);
  return dropped_;
}

void ErrorForwarder::run() noexcept {
  try {
    loop();
  } catch (const std::exception& e) {
    spdlog::error("error bus: forwarding to {} stopped: {}", options_.endpoint, e.what());
  }
}

zmq::socket_t ErrorForwarder::connect() {
  zmq::socket_t socket(context_, zmq::socket_type::dealer);
  socket.set(zmq::sockopt::linger, 0);
  socket.set(zmq::sockopt::immediate, 1);  // nothing queues for a collector not connected
  socket.set(zmq::sockopt::ipv6, 1);
  socket.set(zmq::sockopt::reconnect_ivl, 100);
  socket.set(zmq::sockopt::reconnect_ivl_max, 1000);
  messaging::secure_client_for(socket, options_.curve, options_.endpoint);
  socket.connect(options_.endpoint);
  return socket;
}

std::optional<ErrorForwarder::Batch> ErrorForwarder::take_batch() {
  ErrorBatch batch{machine_, boot_, 0, {}};
  {
    std::lock_guard lock(mu_);
    if (buffer_.empty()) return std::nullopt;
    batch.dropped = dropped_;
    const std::size_t n = std::min(buffer_.size(), options_.batch);
    batch.events.assign(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(n));
  }
  const std::uint64_t last = batch.events.back().seq;
  return Batch{encode_batch(batch), last};
}

void ErrorForwarder::acknowledge(std::uint64_t seq) {
  std::size_t acked = 0;
  bool was_unreachable = false;
  {
    std::lock_guard lock(mu_);
    while (!buffer_.empty() && buffer_.front().seq <= seq) {
      buffer_.pop_front();
      ++acked;
    }
    buffered_gauge_.Set(static_cast<double>(buffer_.size()));
    was_unreachable = !reachable_;
    reachable_ = true;
    drop_warned_ = false;
  }
  forwarded_.Increment(static_cast<double>(acked));
  if (was_unreachable) {
    spdlog::info("error bus: {} acknowledges again; sending the buffered events", options_.endpoint);
  }
}

void ErrorForwarder::note_unreachable(std::string_view why) {
  std::lock_guard lock(mu_);
  if (!reachable_) return;
  reachable_ = false;
  spdlog::warn("error bus: {} {}; keeping up to {} events until it is back", options_.endpoint, why,
               options_.buffer);
}

void ErrorForwarder::loop() {
  zmq::socket_t socket = connect();
  std::optional<Batch> in_flight;
  Clock::time_point sent_at{};
  Clock::time_point next_try = Clock::now();
  Clock::time_point waiting_since{};  // when sending first failed for want of a connection
  Clock::time_point stop_deadline = Clock::time_point::max();
  for (;;) {
    auto now = Clock::now();
    {
      std::lock_guard lock(mu_);
      if (stopping_ && stop_deadline == Clock::time_point::max()) stop_deadline = now + options_.flush_timeout;
      if (stopping_ && (buffer_.empty() || now >= stop_deadline || !reachable_)) {
        if (!buffer_.empty()) {
          spdlog::warn("error bus: {} events were not forwarded to {} before the host stopped", buffer_.size(),
                       options_.endpoint);
        }
        return;
      }
    }
    if (!in_flight && now >= next_try) {
      if (auto batch = take_batch()) {
        const auto tag = zmq::buffer(kErrorWireTag.data(), kErrorWireTag.size());
        if (socket.send(tag, zmq::send_flags::sndmore | zmq::send_flags::dontwait) &&
            socket.send(zmq::buffer(batch->payload), zmq::send_flags::dontwait)) {
          in_flight = std::move(batch);
          sent_at = now;
          waiting_since = {};
        } else {
          if (waiting_since == Clock::time_point{}) waiting_since = now;
          else if (now - waiting_since >= options_.ack_timeout) note_unreachable("is not connected");
          next_try = now + options_.retry;
        }
      }
    }
    // Wait for an answer, a new event, or the next attempt.
    auto wake = in_flight ? sent_at + options_.ack_timeout : next_try;
    if (!in_flight && buffered() == 0) wake = now + options_.flush_timeout;  // just the stop check
    const auto timeout = std::max(std::chrono::milliseconds(0),
                                  std::chrono::duration_cast<std::chrono::milliseconds>(wake - now) +
                                      std::chrono::milliseconds(1));
    std::array<zmq::pollitem_t, 2> items{{{socket.handle(), 0, ZMQ_POLLIN, 0}, {nullptr, wakeup_.fd(), ZMQ_POLLIN, 0}}};
    zmq::poll(items.data(), items.size(), timeout);
    if (items[1].revents & ZMQ_POLLIN) wakeup_.clear();
    if (items[0].revents & ZMQ_POLLIN) {
      std::vector<zmq::message_t> parts;
      while (true) {
        zmq::message_t part;
        if (!socket.recv(part, zmq::recv_flags::dontwait)) break;
        const bool more = part.more();
        parts.push_back(std::move(part));
        if (!more) {
          if (parts.size() == 2 && parts[0].to_string_view() == kErrorWireTag) {
            auto ack = decode_ack(parts[1].to_string_view());
            if (ack && in_flight && *ack >= in_flight->last_seq) in_flight.reset();
            if (ack) acknowledge(*ack);
          }
          parts.clear();
        }
      }
    }
    now = Clock::now();
    if (in_flight && now >= sent_at + options_.ack_timeout) {
      // Lazy Pirate: a new socket, so that a stale answer or a half-dead connection is gone.
      note_unreachable(fmt::format("did not acknowledge within {} ms", options_.ack_timeout.count()));
      in_flight.reset();
      socket = connect();
      next_try = now;
    }
  }
}

}  // namespace agenthost::errors
