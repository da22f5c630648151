#include "process/ah1_caller.hpp"

#include <zmq_addon.hpp>

#include "messaging/wire_protocol.hpp"

namespace agenthost::process {

Ah1Caller::Ah1Caller(zmq::context_t& context, std::string endpoint)
    : context_(context), endpoint_(std::move(endpoint)) {}

Ah1Caller::~Ah1Caller() { close_all(); }

void Ah1Caller::interrupt() noexcept { interrupted_.signal(); }

void Ah1Caller::close_all() {
  std::lock_guard lock(mu_);
  idle_.clear();
}

std::unique_ptr<zmq::socket_t> Ah1Caller::lease() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      auto socket = std::move(idle_.back());
      idle_.pop_back();
      return socket;
    }
  }
  auto socket = std::make_unique<zmq::socket_t>(context_, zmq::socket_type::dealer);
  socket->set(zmq::sockopt::linger, 0);  // closing must not wait for an unanswered request
  // Readiness probes start while the program is still binding its endpoint: try again soon,
  // not after ZeroMQ's default 100 ms.
  socket->set(zmq::sockopt::reconnect_ivl, 10);
  socket->connect(endpoint_);
  return socket;
}

std::optional<Ah1Reply> Ah1Caller::call(std::string_view method, std::string payload,
                                        std::chrono::milliseconds timeout) {
  if (timeout.count() < 1) timeout = std::chrono::milliseconds(1);
  auto socket = lease();
  try {
    // The deadline frame: the program need not start a handler whose answer nobody reads.
    auto request = messaging::make_request(method, payload, timeout, "");
    socket->set(zmq::sockopt::sndtimeo, static_cast<int>(timeout.count()));
    if (!zmq::send_multipart(*socket, request)) return std::nullopt;
    zmq::pollitem_t items[] = {{socket->handle(), 0, ZMQ_POLLIN, 0}, {nullptr, interrupted_.fd(), ZMQ_POLLIN, 0}};
    // Nothing came, or the program ended: the socket is dropped.
    if (zmq::poll(items, 2, timeout) <= 0 || !(items[0].revents & ZMQ_POLLIN)) return std::nullopt;
    messaging::Frames frames;
    if (!zmq::recv_multipart(*socket, std::back_inserter(frames), zmq::recv_flags::dontwait)) return std::nullopt;
    auto reply = messaging::parse_reply(frames);
    if (!reply) return std::nullopt;
    Ah1Reply out{reply->status, std::move(reply->body)};
    std::lock_guard lock(mu_);
    idle_.push_back(std::move(socket));
    return out;
  } catch (const zmq::error_t&) {
    return std::nullopt;  // the context is shutting down, or the endpoint is malformed
  }
}

}  // namespace agenthost::process
