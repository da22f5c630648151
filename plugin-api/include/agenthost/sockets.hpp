#pragma once
// Leased ZeroMQ sockets from the host's connection pool, for the patterns that requests do
// not cover (PUB/SUB, PUSH/PULL). Requests between agents need none of this: use
// AgentContext::client().
//
// A lease is one connected socket that belongs to the leasing thread until the lease is
// returned (destroyed). Returned sockets stay connected and are handed to the next lease of
// the same (endpoint, type), so connections are shared instead of opened per call. A lease
// that saw an error should be marked broken: the pool then closes the socket instead of
// reusing it. A REQ socket returned while still waiting for its reply (the caller gave up)
// is closed in any case: it could never send again.

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include <zmq.hpp>

namespace agenthost {

class SocketLease;

class SocketPool {
 public:
  virtual ~SocketPool() = default;

  // A socket of `type` connected to `endpoint` ("tcp://127.0.0.1:7100", "inproc://...").
  // Waits up to `wait` when the pool's limit for this endpoint is reached; throws
  // std::runtime_error when none frees up in time or the endpoint is malformed.
  virtual SocketLease lease(const std::string& endpoint, zmq::socket_type type,
                            std::chrono::milliseconds wait = std::chrono::milliseconds(100)) = 0;

  struct Counts {
    std::size_t leased = 0;
    std::size_t idle = 0;
    std::size_t created = 0;  // since the host started
    std::size_t evicted = 0;  // closed because broken
  };
  virtual Counts counts() const = 0;

 protected:
  friend class SocketLease;
  virtual void give_back(zmq::socket_t socket, std::string_view endpoint, zmq::socket_type type,
                         bool broken) noexcept = 0;
};

class SocketLease {
 public:
  SocketLease() = default;
  SocketLease(SocketPool* pool, zmq::socket_t socket, std::string endpoint, zmq::socket_type type)
      : pool_(pool), socket_(std::move(socket)), endpoint_(std::move(endpoint)), type_(type) {}
  SocketLease(SocketLease&& other) noexcept { *this = std::move(other); }
  SocketLease& operator=(SocketLease&& other) noexcept {
    if (this != &other) {
      release();
      pool_ = other.pool_;
      socket_ = std::move(other.socket_);
      endpoint_ = std::move(other.endpoint_);
      type_ = other.type_;
      broken_ = other.broken_;
      other.pool_ = nullptr;
    }
    return *this;
  }
  SocketLease(const SocketLease&) = delete;
  SocketLease& operator=(const SocketLease&) = delete;
  ~SocketLease() { release(); }

  zmq::socket_t& socket() noexcept { return socket_; }
  zmq::socket_t* operator->() noexcept { return &socket_; }
  const std::string& endpoint() const noexcept { return endpoint_; }
  explicit operator bool() const noexcept { return pool_ != nullptr; }

  // The socket is in an unknown state (a REQ that timed out, an error): close, do not reuse.
  void mark_broken() noexcept { broken_ = true; }

 private:
  void release() noexcept {
    if (pool_) pool_->give_back(std::move(socket_), endpoint_, type_, broken_);
    pool_ = nullptr;
  }

  SocketPool* pool_ = nullptr;
  zmq::socket_t socket_;
  std::string endpoint_;
  zmq::socket_type type_ = zmq::socket_type::dealer;
  bool broken_ = false;
};

}  // namespace agenthost
