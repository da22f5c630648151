#include "errors/error_collector.hpp"

#include <algorithm>
#include <array>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace agenthost::errors {

ErrorCollector::ErrorCollector(zmq::context_t& context, std::string endpoint, ErrorBus& bus,
                               prometheus::Registry& registry, std::shared_ptr<const messaging::CurveSettings> curve)
    : context_(context),
      endpoint_(std::move(endpoint)),
      curve_(std::move(curve)),
      bus_(bus),
      received_(prometheus::BuildCounter()
                    .Name("agenthost_error_bus_received_total")
                    .Help("Error events other hosts forwarded to this one (host.error_bus.listen)")
                    .Register(registry)
                    .Add({})),
      malformed_(prometheus::BuildCounter()
                     .Name("agenthost_error_bus_malformed_total")
                     .Help("Messages on host.error_bus.listen that were not error batches (dropped)")
                     .Register(registry)
                     .Add({})) {}

ErrorCollector::~ErrorCollector() { stop(); }

std::optional<std::string> ErrorCollector::start() {
  if (thread_.joinable()) return std::nullopt;
  try {
    socket_.emplace(context_, zmq::socket_type::router);
    socket_->set(zmq::sockopt::linger, 0);
    socket_->set(zmq::sockopt::ipv6, 1);
    socket_->set(zmq::sockopt::maxmsgsize, int64_t{16} << 20);
    messaging::secure_server_for(*socket_, curve_, endpoint_);
    socket_->bind(endpoint_);
  } catch (const zmq::error_t& e) {
    socket_.reset();
    return fmt::format("cannot listen for forwarded errors on {} (host.error_bus.listen): {}", endpoint_,
                       e.what());
  }
  stop_ = false;
  thread_ = std::thread([this] { run(); });
  return std::nullopt;
}

void ErrorCollector::stop() {
  if (!thread_.joinable()) return;
  stop_ = true;
  wakeup_.signal();
  thread_.join();
  socket_.reset();
}

void ErrorCollector::run() noexcept {
  try {
    while (!stop_) {
      std::array<zmq::pollitem_t, 2> items{
          {{socket_->handle(), 0, ZMQ_POLLIN, 0}, {nullptr, wakeup_.fd(), ZMQ_POLLIN, 0}}};
      zmq::poll(items.data(), items.size(), std::chrono::milliseconds(-1));
      if (items[1].revents & ZMQ_POLLIN) wakeup_.clear();
      if (items[0].revents & ZMQ_POLLIN) receive(*socket_);
    }
  } catch (const std::exception& e) {
    spdlog::error("error bus: the collector on {} stopped: {}", endpoint_, e.what());
  }
}

void ErrorCollector::receive(zmq::socket_t& socket) {
  std::vector<zmq::message_t> parts;
  for (int n = 0; n < 256; ++n) {  // bounded: the wakeup and stop are seen between rounds
    zmq::message_t part;
    if (!socket.recv(part, zmq::recv_flags::dontwait)) return;
    const bool more = part.more();
    parts.push_back(std::move(part));
    if (more) continue;
    if (parts.size() == 3 && parts[1].to_string_view() == kErrorWireTag) {
      try {
        const std::uint64_t ack = accept(decode_batch(parts[2].to_string_view()));
        const std::string answer = encode_ack(ack);
        socket.send(parts[0], zmq::send_flags::sndmore | zmq::send_flags::dontwait);
        socket.send(zmq::buffer(kErrorWireTag.data(), kErrorWireTag.size()),
                    zmq::send_flags::sndmore | zmq::send_flags::dontwait);
        socket.send(zmq::buffer(answer), zmq::send_flags::dontwait);
      } catch (const std::invalid_argument& e) {
        malformed_.Increment();
        spdlog::warn("error bus: dropped a message on {}: {}", endpoint_, e.what());
      }
    } else {
      malformed_.Increment();
    }
    parts.clear();
  }
}

std::uint64_t ErrorCollector::accept(ErrorBatch batch) {
  const auto now = std::chrono::steady_clock::now();
  auto key = std::make_pair(batch.machine, batch.boot);
  if (!senders_.contains(key) && senders_.size() >= kMaxSenders) {
    auto oldest = std::min_element(senders_.begin(), senders_.end(),
                                   [](const auto& a, const auto& b) { return a.second.seen < b.second.seen; });
    senders_.erase(oldest);
  }
  Sender& sender = senders_[key];
  sender.seen = now;
  std::vector<ErrorEvent> fresh;
  for (auto& event : batch.events) {
    if (event.seq <= sender.last_seq) continue;  // sent again: the acknowledgement was lost
    sender.last_seq = event.seq;
    fresh.push_back(std::move(event));
  }
  received_.Increment(static_cast<double>(fresh.size()));
  if (batch.dropped > sender.dropped) {
    ErrorEvent lost;
    lost.time_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
    lost.machine = batch.machine;
    lost.agent = "agenthost";
    lost.method = "forward";
    lost.severity = Severity::warning;
    lost.message = fmt::format("{} error events were dropped on {} before they reached this host (its "
                               "forwarding buffer was full while this collector was unreachable)",
                               batch.dropped - sender.dropped, batch.machine);
    lost.fields = {{"dropped", std::to_string(batch.dropped - sender.dropped)}};
    sender.dropped = batch.dropped;
    fresh.insert(fresh.begin(), std::move(lost));
  }
  bus_.record_remote(std::move(fresh));
  return sender.last_seq;
}

}  // namespace agenthost::errors
