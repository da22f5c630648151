#pragma once
// The threads that receive on every agent's bound ROUTER socket. They answer what needs no
// agent code itself (malformed input, agenthost.health, agenthost.metrics) and hand the rest
// to the agent's endpoint. They take turns (LeaderFollowers): the one leading receives; when
// it has requests for an agent that can take one, it claims that agent's drain, hands the
// lead on and runs the handlers itself, so that a request is not first passed to a worker
// (measured: ~10 % of a cross-host call, and a shorter tail). At most `max_in_handlers` of
// them run handlers at once; beyond that, and for an agent's further drains, the worker pool
// runs them. Whichever thread ran the handler sends the reply on the socket itself.
//
// A socket is used by one thread at a time: its mutex is held for every operation on it, and
// gives the full memory barrier ZeroMQ asks for when a socket changes threads. The leader
// waits in epoll on the sockets' ZMQ_FDs, not in zmq_poll, so that it touches no socket while
// it sleeps. ZMQ_FD only says "look at ZMQ_EVENTS": after every send the sender checks the
// events and wakes the leader when a request is waiting, since its send may have consumed the
// signal.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <sys/epoll.h>

#include <zmq.hpp>

#include "messaging/agent_endpoint.hpp"
#include "messaging/curve_security.hpp"
#include "messaging/leader_followers.hpp"
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
  // `max_in_handlers`: the loop's threads that may run handlers at once (then the worker
  // pool runs them).
  SocketLoop(zmq::context_t& context, std::size_t max_in_handlers,
             std::shared_ptr<const CurveSettings> curve = nullptr);
  ~SocketLoop();  // stop()
  SocketLoop(const SocketLoop&) = delete;
  SocketLoop& operator=(const SocketLoop&) = delete;

  // The body of the reply to agenthost.metrics for an agent (JSON). Set before start(); it
  // runs on the loop's thread, so it must be quick and must not call into agent code.
  using MetricsAnswer = std::function<std::string(const std::string& agent)>;
  void set_metrics_answer(MetricsAnswer answer) { metrics_answer_ = std::move(answer); }
  // Every thread of the loop runs on `cpu` (host.sockets_cpu). Before start().
  void pin_to_cpu(int cpu);

  // open() takes binds and commands from then on (they wait for the threads); start_threads()
  // makes the threads that serve them: ZeroMQ's I/O and reaper threads and the loop's own
  // (~1.4 ms in a small VM, which the host's first agents need not wait for). start() is both.
  void open();
  void start_threads();  // after open(); once
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

  // A loop thread's life: it takes the lead, leads, runs the handlers it claimed, and again.
  static void thread_main(SocketLoop* loop, std::shared_ptr<Shared> shared);
  void start_thread();      // throws std::system_error when no thread can be made
  bool try_start_thread();  // logs when no thread can be made
  // The leader's turns: until it has claimed an agent's drain to run (returned), or the loop
  // stops (nullptr).
  std::shared_ptr<AgentEndpoint> lead();
  void run_on_loop(std::function<void()> command);  // blocks until it ran
  // Hands the requests waiting on `socket` to its agent. With `may_claim`, the agent's drain
  // may be claimed for this thread (true: the caller must run it).
  bool receive_from(const std::shared_ptr<Socket>& socket, bool may_claim);
  void adopt(const std::shared_ptr<Socket>& socket);
  void close_all();
  std::shared_ptr<Socket> make_socket(const std::shared_ptr<AgentEndpoint>& endpoint, bool curve);

  zmq::context_t& context_;
  const std::shared_ptr<const CurveSettings> curve_;
  std::shared_ptr<Shared> shared_;
  MetricsAnswer metrics_answer_;  // set before the threads start
  bool running_ = false;          // the owner's thread: open() .. stop()
  bool threads_started_ = false;  // the owner's thread

  const int epoll_fd_;

  // The leader's: the thread that holds the lead (LeaderFollowers).
  std::vector<std::shared_ptr<Socket>> sockets_;
  std::unordered_map<Socket*, std::shared_ptr<Socket>> by_ptr_;  // epoll's data.ptr -> socket
  bool stop_ = false;
  std::vector<epoll_event> events_ = std::vector<epoll_event>(64);
  std::vector<std::function<void()>> commands_;
  std::vector<std::weak_ptr<Socket>> flagged_;
  std::vector<std::shared_ptr<Socket>> ready_;
  std::unordered_set<Socket*> seen_;
};

}  // namespace agenthost::messaging
