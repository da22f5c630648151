#pragma once
// The one thread that owns every agent's bound ROUTER socket. It receives requests, answers
// what needs no agent code (malformed input, agenthost.health) itself, and hands the rest to
// the agent's endpoint (and so to the worker pool). Replies come back through an outbox that
// workers fill and the loop sends: a socket is only ever touched by this thread.

#include <atomic>
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
#include "messaging/wakeup.hpp"
#include "messaging/wire_protocol.hpp"

namespace agenthost::messaging {

struct SocketLoopCounters {
  std::uint64_t received = 0;
  std::uint64_t malformed_answered = 0;  // 400 replies
  std::uint64_t malformed_dropped = 0;   // no envelope to answer to
  std::uint64_t replies_dropped = 0;     // the caller's queue was full or it was gone
};

class SocketLoop {
 public:
  explicit SocketLoop(zmq::context_t& context);
  ~SocketLoop();  // stop()
  SocketLoop(const SocketLoop&) = delete;
  SocketLoop& operator=(const SocketLoop&) = delete;

  void start();
  void stop();  // closes every socket; replies completed later are dropped

  struct Bound {
    std::optional<std::string> error;  // why the bind failed, naming the address
    std::string tcp_endpoint;          // the bound tcp address ("" without tcp)
  };
  // Binds a ROUTER socket for `endpoint` on inproc://agent/NAME and, when `tcp` is set
  // ("tcp://127.0.0.1:7100", or ":*" for an ephemeral port), on tcp too. Blocks until the
  // loop has done it.
  Bound bind(std::shared_ptr<AgentEndpoint> endpoint, std::optional<std::string> tcp);

  // Closes the agent's socket (blocks until done). Calls in flight get no reply.
  void unbind(const std::string& agent);

  SocketLoopCounters counters() const;

 private:
  struct Outbox;
  struct Socket {
    std::uint64_t id;
    std::shared_ptr<AgentEndpoint> endpoint;
    zmq::socket_t socket;
  };
  class SocketCall;

  void run();
  void run_on_loop(std::function<void()> command);  // blocks until it ran
  void receive_from(Socket& socket);
  void handle(Socket& socket, Frames& frames);
  void send_outbox();
  bool spin_for_replies();
  static constexpr std::chrono::microseconds kSpin{30};
  void send(Socket& socket, Frames frames);

  zmq::context_t& context_;
  std::shared_ptr<Outbox> outbox_;
  std::thread thread_;
  bool running_ = false;  // the owner's thread

  // Loop thread only.
  std::vector<std::unique_ptr<Socket>> sockets_;
  std::unordered_map<std::uint64_t, Socket*> by_id_;
  std::uint64_t next_id_ = 1;
  bool stop_ = false;

  std::atomic<std::uint64_t> received_{0}, malformed_answered_{0}, malformed_dropped_{0},
      replies_dropped_{0};
};

}  // namespace agenthost::messaging
