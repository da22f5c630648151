#pragma once
// The thread that receives on every agent's bound ROUTER socket. It answers what needs no
// agent code itself (malformed input, agenthost.health) and hands the rest to the agent's
// endpoint (and so to the worker pool). The worker that ran the handler sends the reply on
// the socket itself: one thread hand-off fewer per request than routing it back through this
// thread (measured: ~10 us of a ~120 us tcp round trip in this VM). agenthost.metrics is
// answered here too, with what the host's metrics answer says (the agent's own families).
//
// A socket is used by one thread at a time: its mutex is held for every operation on it, and
// gives the full memory barrier ZeroMQ asks for when a socket changes threads. The loop waits
// in epoll on the sockets' ZMQ_FDs, not in zmq_poll, so that it touches no socket while it
// sleeps. ZMQ_FD only says "look at ZMQ_EVENTS": after every send a worker checks the events
// and wakes the loop when a request is waiting, since its send may have consumed the signal.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <zmq.hpp>

#include "messaging/agent_endpoint.hpp"
#include "messaging/curve_security.hpp"
#include "messaging/tcp_listener.hpp"
#include "messaging/wakeup.hpp"
#include "messaging/wire_protocol.hpp"

namespace agenthost::messaging {

struct SocketLoopCounters {
  std::uint64_t received = 0;
  std::uint64_t malformed_answered = 0;  // 400 replies
  std::uint64_t malformed_dropped = 0;   // no envelope to answer to
  std::uint64_t replies_dropped = 0;     // the caller's queue was full, it was gone, or closed
};

class SocketLoop {
 public:
  // With `curve`, an agent's tcp address is bound on a second ROUTER socket of its own that
  // speaks CURVE; inproc:// and ipc:// stay on the plain one.
  explicit SocketLoop(zmq::context_t& context, std::shared_ptr<const CurveSettings> curve = nullptr);
  ~SocketLoop();  // stop()
  SocketLoop(const SocketLoop&) = delete;
  SocketLoop& operator=(const SocketLoop&) = delete;

  // The body of the reply to agenthost.metrics for an agent (JSON). Set before start(); it
  // runs on the loop's thread, so it must be quick and must not call into agent code.
  using MetricsAnswer = std::function<std::string(const std::string& agent)>;
  void set_metrics_answer(MetricsAnswer answer) { metrics_answer_ = std::move(answer); }

  void start();
  void stop();  // closes every socket; replies completed later are dropped

  struct Bound {
    std::optional<std::string> error;  // why the bind failed, naming the address
    std::string tcp_endpoint;          // the bound tcp address ("" without tcp)
  };
  // Binds a ROUTER socket for `endpoint` on inproc://agent/NAME and, when `tcp` is set, on
  // that listening tcp socket too (the socket takes it over), and on `ipc` when it is not ""
  // (an ipc:// address). Returns at once: the loop receives on it from its next turn. With
  // CURVE the tcp address is on a second socket of the agent's, which speaks CURVE.
  Bound bind(std::shared_ptr<AgentEndpoint> endpoint, std::optional<TcpListener> tcp, const std::string& ipc = "");
  // Binds the agent's socket on one more address (ipc://...) as well. Any thread; an error
  // names the address.
  std::optional<std::string> bind_also(const std::string& agent, const std::string& address);

  // True when the loop thread takes a command within `timeout`: it is alive and not stuck.
  // Any thread.
  bool responsive(std::chrono::milliseconds timeout);

  // Closes the agent's socket (blocks until done). Calls in flight get no reply.
  void unbind(const std::string& agent);

  SocketLoopCounters counters() const;

  struct Socket;  // one bound socket and the lock that serialises its use
  struct Shared;  // what the loop shares with the calls in flight

 private:
  class SocketCall;

  void run();
  void run_on_loop(std::function<void()> command);  // blocks until it ran
  void receive_from(const std::shared_ptr<Socket>& socket);
  void adopt(const std::shared_ptr<Socket>& socket);
  void close_all();
  std::shared_ptr<Socket> make_socket(const std::shared_ptr<AgentEndpoint>& endpoint, bool curve);

  zmq::context_t& context_;
  const std::shared_ptr<const CurveSettings> curve_;
  std::shared_ptr<Shared> shared_;
  MetricsAnswer metrics_answer_;  // set before the thread starts
  std::thread thread_;
  bool running_ = false;  // the owner's thread

  const int epoll_fd_;

  // Loop thread only.
  std::vector<std::shared_ptr<Socket>> sockets_;
  std::unordered_map<Socket*, std::shared_ptr<Socket>> by_ptr_;  // epoll's data.ptr -> socket
  bool stop_ = false;
};

}  // namespace agenthost::messaging
