#include "messaging/socket_loop.hpp"

#include <future>
#include <variant>

#include <fmt/format.h>
#include <pthread.h>
#include <spdlog/spdlog.h>

namespace agenthost::messaging {
namespace {
// Messages taken from one socket per turn, so that one busy caller cannot starve the others.
constexpr int kReceiveBatch = 256;

// When a caller's budget runs out. Saturated: a budget of centuries (or more than 64 bits of
// milliseconds) is "no deadline", not an overflow into the past (which would answer 504).
Clock::time_point deadline_after(std::optional<std::chrono::milliseconds> budget) {
  if (!budget) return Clock::time_point::max();
  const auto now = Clock::now();
  const auto room =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::time_point::max() - now);
  return *budget >= room ? Clock::time_point::max() : now + *budget;
}
}  // namespace

// What other threads hand the loop. Shared with the calls in flight, which may complete after
// the loop has stopped: they then find `closed` and drop their reply.
struct SocketLoop::Outbox {
  std::mutex mu;
  std::vector<std::pair<std::uint64_t, Frames>> replies;  // guarded by mu
  std::vector<std::function<void()>> commands;            // guarded by mu
  bool signalled = false;                                 // guarded by mu
  bool closed = false;                                    // guarded by mu
  bool spinning = false;                                  // guarded by mu: the loop is awake
  std::atomic<bool> pending{false};     // replies or commands wait (set under mu)
  std::atomic<int> in_flight{0};        // calls handed to endpoints, not yet answered
  Wakeup wakeup;

  void push_reply(std::uint64_t socket, Frames frames) {
    std::lock_guard lock(mu);
    in_flight.fetch_sub(1, std::memory_order_relaxed);
    if (closed) return;
    replies.emplace_back(socket, std::move(frames));
    signal_locked();
  }
  void signal_locked() {
    pending.store(true, std::memory_order_release);
    if (!signalled && !spinning) {  // a spinning loop sees `pending` without the eventfd
      signalled = true;
      wakeup.signal();
    }
  }
};

// A request that came in on a socket: completing it queues the reply for the loop.
class SocketLoop::SocketCall final : public Call {
 public:
  SocketCall(WireRequest&& request, std::uint64_t socket, std::shared_ptr<Outbox> outbox)
      : Call(std::move(request.method), std::move(request.payload), "",
             deadline_after(request.deadline)),
        envelope_(std::move(request.envelope)),
        correlation_(std::move(request.correlation)),
        socket_(socket),
        outbox_(std::move(outbox)) {}

 private:
  void deliver(int status, std::string body) noexcept override {
    try {
      outbox_->push_reply(socket_, make_reply(std::move(envelope_), status, body, correlation_));
    } catch (...) {
      // Out of memory while framing a reply: the caller times out; nothing else to do here.
      outbox_->in_flight.fetch_sub(1, std::memory_order_relaxed);
    }
  }

  Frames envelope_;
  std::optional<std::string> correlation_;
  std::uint64_t socket_;
  std::shared_ptr<Outbox> outbox_;
};

SocketLoop::SocketLoop(zmq::context_t& context)
    : context_(context), outbox_(std::make_shared<Outbox>()) {}

SocketLoop::~SocketLoop() { stop(); }

void SocketLoop::start() {
  if (running_) return;
  running_ = true;
  thread_ = std::thread([this] { run(); });
  pthread_setname_np(thread_.native_handle(), "agent-sockets");
}

void SocketLoop::stop() {
  if (!running_) return;
  {
    std::lock_guard lock(outbox_->mu);
    outbox_->commands.push_back([this] { stop_ = true; });
    outbox_->signal_locked();
  }
  thread_.join();
  running_ = false;
}

void SocketLoop::run_on_loop(std::function<void()> command) {
  std::promise<void> done;
  auto ran = done.get_future();
  {
    std::lock_guard lock(outbox_->mu);
    if (outbox_->closed) return;
    outbox_->commands.push_back([&] {
      command();
      done.set_value();
    });
    outbox_->signal_locked();
  }
  ran.wait();
}

SocketLoop::Bound SocketLoop::bind(std::shared_ptr<AgentEndpoint> endpoint,
                                   std::optional<std::string> tcp) {
  Bound bound;
  if (!running_) {
    bound.error = "the socket loop is not running";
    return bound;
  }
  run_on_loop([&] {
    auto socket = std::make_unique<Socket>(
        Socket{next_id_++, endpoint, zmq::socket_t(context_, zmq::socket_type::router)});
    socket->socket.set(zmq::sockopt::linger, 0);
    const std::string inproc = "inproc://agent/" + endpoint->name();
    try {
      socket->socket.bind(inproc);
    } catch (const zmq::error_t& e) {
      bound.error = fmt::format("cannot bind {}: {}", inproc, e.what());
      return;
    }
    if (tcp) {
      try {
        socket->socket.bind(*tcp);
        bound.tcp_endpoint = socket->socket.get(zmq::sockopt::last_endpoint);
      } catch (const zmq::error_t& e) {
        bound.error =
            e.num() == EADDRINUSE
                ? fmt::format("cannot bind {}: the port is taken by another program (free it, or "
                              "give the agent another port or port: auto)",
                              *tcp)
                : fmt::format("cannot bind {}: {}", *tcp, e.what());
        return;
      }
    }
    by_id_[socket->id] = socket.get();
    sockets_.push_back(std::move(socket));
  });
  return bound;
}

void SocketLoop::unbind(const std::string& agent) {
  if (!running_) return;
  run_on_loop([&] {
    for (auto it = sockets_.begin(); it != sockets_.end(); ++it) {
      if ((*it)->endpoint->name() == agent) {
        by_id_.erase((*it)->id);
        sockets_.erase(it);
        return;
      }
    }
  });
}

void SocketLoop::run() {
  std::vector<zmq::pollitem_t> items;
  std::vector<std::function<void()>> commands;
  while (!stop_) {
    items.clear();
    items.push_back({nullptr, outbox_->wakeup.fd(), ZMQ_POLLIN, 0});
    for (auto& socket : sockets_) items.push_back({socket->socket.handle(), 0, ZMQ_POLLIN, 0});
    const bool woke_by_spin = spin_for_replies();
    try {
      zmq::poll(items.data(), items.size(), std::chrono::milliseconds(woke_by_spin ? 0 : -1));
    } catch (const zmq::error_t& e) {
      if (e.num() == ETERM) break;
      if (e.num() != EINTR) spdlog::error("agent sockets: poll failed: {}", e.what());
      continue;
    }
    if ((items[0].revents & ZMQ_POLLIN) || woke_by_spin) {
      if (items[0].revents & ZMQ_POLLIN) outbox_->wakeup.clear();
      {
        std::lock_guard lock(outbox_->mu);
        outbox_->signalled = false;
        outbox_->pending.store(false, std::memory_order_relaxed);
        commands.swap(outbox_->commands);
      }
      send_outbox();
      for (auto& command : commands) command();
      commands.clear();
      if (stop_) break;
    }
    // Sockets may have changed in a command: only those still in the same slot are read.
    const std::size_t polled = std::min(items.size() - 1, sockets_.size());
    for (std::size_t i = 0; i < polled; ++i) {
      if ((items[i + 1].revents & ZMQ_POLLIN) && items[i + 1].socket == sockets_[i]->socket.handle()) {
        receive_from(*sockets_[i]);
      }
    }
  }
  std::lock_guard lock(outbox_->mu);
  outbox_->closed = true;
  outbox_->replies.clear();
  for (auto& command : outbox_->commands) command();  // let run_on_loop callers return
  outbox_->commands.clear();
  sockets_.clear();
  by_id_.clear();
}

// While calls are in flight, their replies usually come back within microseconds: staying
// awake for a moment picks them up without the eventfd write and the wake-up from poll()
// (~10-20 us in a VM each). True when replies or commands are waiting.
bool SocketLoop::spin_for_replies() {
  if (outbox_->in_flight.load(std::memory_order_relaxed) <= 0) return false;
  {
    std::lock_guard lock(outbox_->mu);
    if (outbox_->pending.load(std::memory_order_relaxed)) return true;
    outbox_->spinning = true;
  }
  const auto until = std::chrono::steady_clock::now() + kSpin;
  bool found = false;
  while (!found && std::chrono::steady_clock::now() < until) {
    for (int i = 0; i < 16; ++i) __builtin_ia32_pause();
    found = outbox_->pending.load(std::memory_order_acquire);
  }
  std::lock_guard lock(outbox_->mu);
  outbox_->spinning = false;
  // A reply pushed after the spin gave up found spinning set and did not signal: look again.
  return outbox_->pending.load(std::memory_order_relaxed);
}

void SocketLoop::send_outbox() {
  std::vector<std::pair<std::uint64_t, Frames>> replies;
  {
    std::lock_guard lock(outbox_->mu);
    replies.swap(outbox_->replies);
  }
  for (auto& [id, frames] : replies) {
    auto it = by_id_.find(id);
    if (it == by_id_.end()) {
      replies_dropped_.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    send(*it->second, std::move(frames));
  }
}

void SocketLoop::send(Socket& socket, Frames frames) {
  try {
    if (!zmq::send_multipart(socket.socket, frames, zmq::send_flags::dontwait)) {
      replies_dropped_.fetch_add(1, std::memory_order_relaxed);
    }
  } catch (const zmq::error_t&) {
    replies_dropped_.fetch_add(1, std::memory_order_relaxed);
  }
}

void SocketLoop::receive_from(Socket& socket) {
  Frames frames;
  for (int n = 0; n < kReceiveBatch; ++n) {
    frames.clear();
    try {
      if (!zmq::recv_multipart(socket.socket, std::back_inserter(frames),
                               zmq::recv_flags::dontwait)) {
        return;
      }
    } catch (const zmq::error_t& e) {
      if (e.num() != EAGAIN) spdlog::warn("agent sockets: receive failed: {}", e.what());
      return;
    }
    received_.fetch_add(1, std::memory_order_relaxed);
    handle(socket, frames);
  }
  // More may be waiting: poll() reports the socket again (level-triggered via ZMQ_EVENTS).
}

void SocketLoop::handle(Socket& socket, Frames& frames) {
  auto parsed = parse_request(frames);
  if (auto* bad = std::get_if<Malformed>(&parsed)) {
    if (!bad->answerable) {
      malformed_dropped_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    malformed_answered_.fetch_add(1, std::memory_order_relaxed);
    send(socket, make_reply(std::move(bad->envelope), kBadRequest, bad->reason, bad->correlation));
    return;
  }
  auto& request = std::get<WireRequest>(parsed);
  if (request.method == kHealthMethod) {
    // Answered from the host's current view: no agent code, no queue.
    send(socket, make_reply(std::move(request.envelope), kOk, socket.endpoint->status_json(),
                            request.correlation));
    return;
  }
  outbox_->in_flight.fetch_add(1, std::memory_order_relaxed);
  socket.endpoint->submit(std::make_shared<SocketCall>(std::move(request), socket.id, outbox_));
}

SocketLoopCounters SocketLoop::counters() const {
  return {received_.load(std::memory_order_relaxed),
          malformed_answered_.load(std::memory_order_relaxed),
          malformed_dropped_.load(std::memory_order_relaxed),
          replies_dropped_.load(std::memory_order_relaxed)};
}

}  // namespace agenthost::messaging
