#include "process/ah1_caller.hpp"

#include <array>
#include <charconv>

#include <zmq_addon.hpp>

namespace agenthost::process {

Ah1Caller::Ah1Caller(zmq::context_t& context, std::string endpoint)
    : context_(context), endpoint_(std::move(endpoint)) {}

Ah1Caller::~Ah1Caller() { close_all(); }

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
  auto socket = std::make_unique<zmq::socket_t>(context_, zmq::socket_type::req);
  socket->set(zmq::sockopt::linger, 0);  // closing must not wait for an unanswered request
  socket->connect(endpoint_);
  return socket;
}

std::optional<Ah1Reply> Ah1Caller::call(std::string_view method, std::string payload,
                                        std::chrono::milliseconds timeout) {
  if (timeout.count() < 1) timeout = std::chrono::milliseconds(1);
  auto socket = lease();
  try {
    // The deadline frame: the program need not start a handler whose answer nobody reads.
    const std::string deadline = std::to_string(timeout.count());
    std::array<zmq::const_buffer, 4> frames = {zmq::str_buffer("AH1"), zmq::buffer(method), zmq::buffer(payload),
                                               zmq::buffer(deadline)};
    socket->set(zmq::sockopt::sndtimeo, static_cast<int>(timeout.count()));
    if (!zmq::send_multipart(*socket, frames)) return std::nullopt;
    zmq::pollitem_t item{socket->handle(), 0, ZMQ_POLLIN, 0};
    if (zmq::poll(&item, 1, timeout) <= 0) return std::nullopt;  // the socket is dropped
    std::vector<zmq::message_t> reply;
    if (!zmq::recv_multipart(*socket, std::back_inserter(reply), zmq::recv_flags::dontwait)) return std::nullopt;
    if (reply.size() < 3 || reply[0].to_string_view() != "AH1") return std::nullopt;
    Ah1Reply out;
    const auto code = reply[1].to_string_view();
    if (std::from_chars(code.data(), code.data() + code.size(), out.status).ec != std::errc()) return std::nullopt;
    out.body = reply[2].to_string();
    std::lock_guard lock(mu_);
    idle_.push_back(std::move(socket));
    return out;
  } catch (const zmq::error_t&) {
    return std::nullopt;  // the context is shutting down, or the endpoint is malformed
  }
}

}  // namespace agenthost::process
