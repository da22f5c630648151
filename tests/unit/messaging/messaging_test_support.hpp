#pragma once
// Shared helpers for the messaging unit tests: bounded waits (never a sleep that "waits for
// something to happen"), a Call that records how it was completed, a one-shot gate, and
// frame builders for raw ZeroMQ sockets.

#include <chrono>
#include <condition_variable>
#include <initializer_list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "messaging/call.hpp"
#include "messaging/wire_protocol.hpp"

namespace agenthost::messaging::msgtest {

using namespace std::chrono_literals;

// Polls `predicate` until it holds or `timeout` has passed (at most 2 s by default).
template <class Predicate>
bool eventually(Predicate predicate, std::chrono::milliseconds timeout = 2000ms) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (!predicate()) {
    if (std::chrono::steady_clock::now() >= until) return predicate();
    std::this_thread::sleep_for(1ms);  // the poll interval, not a wait for an event
  }
  return true;
}

// A call that records what it was completed with, and how often deliver() ran.
class TestCall final : public Call {
 public:
  explicit TestCall(std::string method, std::string payload = "",
                    Clock::time_point deadline = Clock::time_point::max(),
                    std::string caller = "tester")
      : Call(std::move(method), std::move(payload), std::move(caller), deadline) {}

  bool wait_done(std::chrono::milliseconds timeout = 2000ms) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return deliveries_ > 0; });
  }
  int status() const {
    std::lock_guard lock(mu_);
    return status_;
  }
  std::string body() const {
    std::lock_guard lock(mu_);
    return body_;
  }
  int deliveries() const {
    std::lock_guard lock(mu_);
    return deliveries_;
  }

 private:
  void deliver(int status, std::string body) noexcept override {
    // Notified under the lock: a waiter that sees the result may destroy this at once.
    std::lock_guard lock(mu_);
    status_ = status;
    body_ = std::move(body);
    ++deliveries_;
    cv_.notify_all();
  }

  mutable std::mutex mu_;
  std::condition_variable cv_;
  int status_ = 0;
  std::string body_;
  int deliveries_ = 0;
};

// A one-shot event with bounded waits.
class Gate {
 public:
  void open() {
    // Notified under the lock: a waiter that sees it open may destroy the gate at once.
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  bool wait(std::chrono::milliseconds timeout = 2000ms) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return open_; });
  }
  bool is_open() const {
    std::lock_guard lock(mu_);
    return open_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

inline Frames frames(std::initializer_list<std::string_view> parts) {
  Frames out;
  for (auto part : parts) out.emplace_back(part.data(), part.size());
  return out;
}

inline std::string str(const zmq::message_t& frame) {
  return {static_cast<const char*>(frame.data()), frame.size()};
}

inline std::vector<std::string> strings(const Frames& frames) {
  std::vector<std::string> out;
  for (const auto& frame : frames) out.push_back(str(frame));
  return out;
}

inline bool send_all(zmq::socket_t& socket, const std::vector<std::string>& parts) {
  Frames out;
  for (const auto& part : parts) out.emplace_back(part.data(), part.size());
  return zmq::send_multipart(socket, out).has_value();
}

// The next message on `socket`, or nullopt when none came within `timeout`.
inline std::optional<std::vector<std::string>> receive(zmq::socket_t& socket,
                                                       std::chrono::milliseconds timeout = 2000ms) {
  zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
  zmq::poll(&item, 1, timeout);
  if (!(item.revents & ZMQ_POLLIN)) return std::nullopt;
  Frames in;
  if (!zmq::recv_multipart(socket, std::back_inserter(in), zmq::recv_flags::dontwait)) {
    return std::nullopt;
  }
  return strings(in);
}

}  // namespace agenthost::messaging::msgtest
