#pragma once
// The host's pool of connected sockets, keyed by (endpoint, socket type): a lease hands one
// socket to one thread; a returned socket stays connected for the next lease; a broken one is
// closed. At most `max_per_endpoint` sockets per key exist at once.
//
// Threads: thread-safe. A socket changes threads only through lease/give_back, both under the
// pool's mutex: the full memory barrier ZeroMQ asks for when a socket moves between threads.

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "agenthost/sockets.hpp"
#include "messaging/curve_security.hpp"

namespace agenthost::messaging {

class ConnectionPool final : public SocketPool {
 public:
  // With `curve`, sockets to tcp:// endpoints speak CURVE (curve_security.hpp).
  ConnectionPool(zmq::context_t& context, std::size_t max_per_endpoint = 64,
                 std::shared_ptr<const CurveSettings> curve = nullptr);
  ~ConnectionPool() override;  // closes the idle sockets

  SocketLease lease(const std::string& endpoint, zmq::socket_type type,
                    std::chrono::milliseconds wait) override;
  Counts counts() const override;

  // Closes idle sockets and refuses new leases: before the context is terminated.
  void close();

 protected:
  void give_back(zmq::socket_t socket, std::string_view endpoint, zmq::socket_type type,
                 bool broken) noexcept override;

 private:
  using Key = std::pair<std::string, int>;
  struct Slot {
    std::vector<zmq::socket_t> idle;
    std::size_t leased = 0;
  };

  zmq::socket_t connect(const std::string& endpoint, zmq::socket_type type);

  zmq::context_t& context_;
  const std::size_t max_per_endpoint_;
  const std::shared_ptr<const CurveSettings> curve_;
  mutable std::mutex mu_;
  std::condition_variable returned_;
  std::map<Key, Slot, std::less<>> slots_;  // guarded by mu_
  std::size_t created_ = 0, evicted_ = 0;   // guarded by mu_
  bool closed_ = false;                     // guarded by mu_
};

}  // namespace agenthost::messaging
