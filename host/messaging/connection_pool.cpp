#include "messaging/connection_pool.hpp"

#include <stdexcept>

#include <fmt/format.h>

namespace agenthost::messaging {

ConnectionPool::ConnectionPool(zmq::context_t& context, std::size_t max_per_endpoint,
                               std::shared_ptr<const CurveSettings> curve)
    : context_(context), max_per_endpoint_(max_per_endpoint == 0 ? 1 : max_per_endpoint), curve_(std::move(curve)) {}

ConnectionPool::~ConnectionPool() { close(); }

zmq::socket_t ConnectionPool::connect(const std::string& endpoint, zmq::socket_type type) {
  zmq::socket_t socket(context_, type);
  socket.set(zmq::sockopt::linger, 0);
  socket.set(zmq::sockopt::ipv6, 1);  // reach agents on IPv6 addresses too ("tcp://[::1]:7100")
  if (type == zmq::socket_type::dealer || type == zmq::socket_type::req) {
    // Queue requests only to a peer that is connected: a send to a dead endpoint then waits
    // (up to the call's deadline) instead of queuing for a peer that may never come back.
    socket.set(zmq::sockopt::immediate, 1);
  }
  secure_client_for(socket, curve_, endpoint);
  socket.connect(endpoint);
  return socket;
}

SocketLease ConnectionPool::lease(const std::string& endpoint, zmq::socket_type type,
                                  std::chrono::milliseconds wait) {
  Key key{endpoint, static_cast<int>(type)};
  std::unique_lock lock(mu_);
  if (closed_) throw std::runtime_error("the connection pool is closed (the host is stopping)");
  auto& slot = slots_[key];
  auto ready = [&] { return closed_ || !slot.idle.empty() || slot.leased < max_per_endpoint_; };
  if (!returned_.wait_for(lock, wait, ready)) {
    throw std::runtime_error(fmt::format(
        "no socket for {} within {} ms: all {} are leased", endpoint, wait.count(),
        max_per_endpoint_));
  }
  if (closed_) throw std::runtime_error("the connection pool is closed (the host is stopping)");
  ++slot.leased;
  if (!slot.idle.empty()) {
    zmq::socket_t socket = std::move(slot.idle.back());
    slot.idle.pop_back();
    return SocketLease(this, std::move(socket), endpoint, type);
  }
  ++created_;
  lock.unlock();
  try {
    return SocketLease(this, connect(endpoint, type), endpoint, type);
  } catch (const zmq::error_t& e) {
    lock.lock();
    --slots_[key].leased;
    returned_.notify_one();
    throw std::runtime_error(fmt::format("cannot connect to {}: {}", endpoint, e.what()));
  }
}

void ConnectionPool::give_back(zmq::socket_t socket, std::string_view endpoint,
                               zmq::socket_type type, bool broken) noexcept {
  if (type == zmq::socket_type::req && !broken) {
    // A REQ socket still waiting for its reply (the caller gave up on it) can never send
    // again: never hand it to the next lease, even if the caller forgot mark_broken().
    try {
      broken = (socket.get(zmq::sockopt::events) & ZMQ_POLLOUT) == 0;
    } catch (const zmq::error_t&) {
      broken = true;
    }
  }
  std::unique_lock lock(mu_);
  auto it = slots_.find(Key{std::string(endpoint), static_cast<int>(type)});
  if (it != slots_.end() && it->second.leased > 0) --it->second.leased;
  if (broken || closed_ || it == slots_.end()) {
    if (broken) ++evicted_;
    lock.unlock();
    socket.close();
  } else {
    it->second.idle.push_back(std::move(socket));
  }
  returned_.notify_one();
}

SocketPool::Counts ConnectionPool::counts() const {
  std::lock_guard lock(mu_);
  Counts counts;
  for (const auto& [key, slot] : slots_) {
    counts.leased += slot.leased;
    counts.idle += slot.idle.size();
  }
  counts.created = created_;
  counts.evicted = evicted_;
  return counts;
}

void ConnectionPool::close() {
  std::lock_guard lock(mu_);
  closed_ = true;
  for (auto& [key, slot] : slots_) slot.idle.clear();
  returned_.notify_all();
}

}  // namespace agenthost::messaging
