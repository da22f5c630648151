#include "messaging/socket_loop.hpp"

#include "messaging/cpu_affinity.hpp"

#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <future>
#include <stdexcept>
#include <system_error>
#include <unordered_set>
#include <variant>

#include <fmt/format.h>
#include <pthread.h>
#include <spdlog/spdlog.h>

namespace agenthost::messaging {
namespace {
// Messages taken from one socket per turn, so that one busy caller cannot starve the others.
constexpr int kReceiveBatch = 256;
// Followers kept waiting for the lead: one is enough for a stream of calls (the two threads
// take turns); more retire.
constexpr std::size_t kIdleFollowers = 1;
}  // namespace

struct SocketLoop::Socket {
  std::uint64_t id = 0;
  std::shared_ptr<AgentEndpoint> endpoint;
  int fd = -1;  // ZMQ_FD, watched with epoll
  bool closed_by_loop = false;  // the leader's: unbound
  bool curve = false;           // the agent's CURVE socket (its tcp address only)
  std::mutex mu;
  zmq::socket_t socket;  // guarded by mu
  bool closed = false;   // guarded by mu
};

// Shared with the calls in flight, which may complete after the loop has stopped.
struct SocketLoop::Shared {
  explicit Shared(std::size_t max_in_handlers) : threads(max_in_handlers, kIdleFollowers) {}

  LeaderFollowers threads;
  std::optional<int> cpu;  // host.sockets_cpu: set before the first thread starts, then read only
  std::mutex mu;
  std::vector<std::function<void()>> commands;  // guarded by mu
  std::vector<std::weak_ptr<Socket>> readable;  // guarded by mu: found readable after a send
  bool signalled = false;                       // guarded by mu
  bool closed = false;                          // guarded by mu
  Wakeup wakeup;
  std::atomic<std::uint64_t> received{0}, malformed_answered{0}, malformed_dropped{0},
      replies_dropped{0};

  void signal_locked() {
    if (!signalled) {
      signalled = true;
      wakeup.signal();
    }
  }

  // Sends on `socket` from any thread. Then, since the send may have consumed the ZMQ_FD
  // signal of a request that arrived meanwhile, tells the loop to look if one is waiting.
  void send(const std::shared_ptr<Socket>& socket, Frames& frames) {
    bool readable_now = false;
    {
      std::lock_guard lock(socket->mu);
      if (socket->closed) {
        replies_dropped.fetch_add(1, std::memory_order_relaxed);
        return;
      }
      try {
        if (!zmq::send_multipart(socket->socket, frames, zmq::send_flags::dontwait)) {
          replies_dropped.fetch_add(1, std::memory_order_relaxed);
        }
        readable_now = (socket->socket.get(zmq::sockopt::events) & ZMQ_POLLIN) != 0;
      } catch (const zmq::error_t&) {
        replies_dropped.fetch_add(1, std::memory_order_relaxed);
      }
    }
    if (readable_now) {
      std::lock_guard lock(mu);
      readable.push_back(socket);
      signal_locked();
    }
  }
};

// The caller's budget as a time point; a budget too large for the clock means "no deadline"
// (a caller that sends 10^13 ms wants to wait, not to be told its time is up).
Clock::time_point deadline_at(std::optional<std::chrono::milliseconds> budget) {
  if (!budget) return Clock::time_point::max();
  const auto now = Clock::now();
  const auto room = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::time_point::max() - now);
  return *budget >= room ? Clock::time_point::max() : now + *budget;
}

// A request that came in on a socket: the thread that completes it sends the reply.
class SocketLoop::SocketCall final : public Call {
 public:
  SocketCall(WireRequest&& request, std::weak_ptr<Socket> socket, std::shared_ptr<Shared> shared)
      : Call(std::move(request.method), std::move(request.payload), "",
             deadline_at(request.deadline)),
        envelope_(std::move(request.envelope)),
        correlation_(std::move(request.correlation)),
        socket_(std::move(socket)),
        shared_(std::move(shared)) {}

 private:
  void deliver(int status, std::string body) noexcept override {
    auto socket = socket_.lock();
    if (!socket) {
      shared_->replies_dropped.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    try {
      Frames reply = make_reply(std::move(envelope_), status, body, correlation_);
      shared_->send(socket, reply);
    } catch (...) {
      // Out of memory while framing a reply: the caller times out; nothing else to do here.
    }
  }

  Frames envelope_;
  std::optional<std::string> correlation_;
  std::weak_ptr<Socket> socket_;
  std::shared_ptr<Shared> shared_;
};

SocketLoop::SocketLoop(zmq::context_t& context, std::size_t max_in_handlers,
                       std::shared_ptr<const CurveSettings> curve)
    : context_(context), curve_(std::move(curve)), shared_(std::make_shared<Shared>(max_in_handlers)), epoll_fd_(::epoll_create1(EPOLL_CLOEXEC)) {
  if (epoll_fd_ < 0) throw std::runtime_error(std::string("epoll_create1: ") + std::strerror(errno));
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.ptr = nullptr;  // the wake-up eventfd
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, shared_->wakeup.fd(), &event);
}

SocketLoop::~SocketLoop() {
  stop();
  ::close(epoll_fd_);
}

void SocketLoop::pin_to_cpu(int cpu) { shared_->cpu = cpu; }

void SocketLoop::open() { running_ = true; }

void SocketLoop::start_threads() {
  if (!running_ || threads_started_) return;
  threads_started_ = true;
  // ZeroMQ starts its I/O and reaper threads with a context's first socket; do it now rather
  // than in an agent's bind.
  zmq::socket_t(context_, zmq::socket_type::router).close();
  shared_->threads.thread_starting();
  start_thread();
}

void SocketLoop::start() {
  open();
  start_threads();
}

void SocketLoop::start_thread() {
  std::thread([this, shared = shared_] { thread_main(this, shared); }).detach();
}

void SocketLoop::thread_main(SocketLoop* loop, std::shared_ptr<Shared> shared) {
  pthread_setname_np(pthread_self(), "agent-sockets");
  if (shared->cpu) {
    if (auto error = pin_this_thread(*shared->cpu)) spdlog::warn("host.sockets_cpu: {}", *error);
  }
  // `loop` is used only while this thread leads: the owner's stop() waits for the leader.
  while (shared->threads.take_lead()) {
    for (bool leading = true; leading;) {
      // Leads until it has requests of an agent to run here, or until the loop stops.
      auto claimed = loop->lead();
      if (!claimed) {  // stopped
        loop->close_all();
        shared->threads.stopped();
        return;
      }
      if (auto ticket = shared->threads.begin_inline()) {
        // A follower watches: run them keeping the lead; it leads instead if they run long.
        claimed->run_claimed_drain();
        claimed.reset();
        leading = shared->threads.end_inline(*ticket);
        continue;
      }
      if (shared->threads.hand_over_lead() && !loop->try_start_thread()) {
        // No thread to lead meanwhile: lead on, and let the worker pool run the handlers.
        shared->threads.take_back_lead();
        claimed->hand_claimed_drain_to_pool();
        continue;
      }
      claimed->run_claimed_drain();
      claimed.reset();
      shared->threads.back_from_handler();
      leading = false;
    }
  }
}

bool SocketLoop::try_start_thread() {
  try {
    start_thread();
    return true;
  } catch (const std::system_error& e) {
    spdlog::error("agent sockets: cannot start a thread ({}); requests wait for the worker pool", e.what());
    return false;
  }
}

void SocketLoop::stop() {
  if (!running_) return;
  // Sockets bound meanwhile wait in the queue: only the loop's thread closes them.
  if (!threads_started_) {
    try {
      start_threads();
    } catch (const std::system_error& e) {
      spdlog::error("agent sockets: cannot start a thread to close them ({}); leaving them to the process exit",
                    e.what());
      running_ = false;
      return;
    }
  }
  {
    std::lock_guard lock(shared_->mu);
    shared_->commands.push_back([this] { stop_ = true; });
    shared_->signal_locked();
  }
  // Threads inside a handler are not waited for: a handler that never returns must not hang
  // the host's stop. Their replies find the sockets closed.
  shared_->threads.wait_until_stopped();
  running_ = false;
}

void SocketLoop::run_on_loop(std::function<void()> command) {
  std::promise<void> done;
  auto ran = done.get_future();
  {
    std::lock_guard lock(shared_->mu);
    if (shared_->closed) return;
    shared_->commands.push_back([&] {
      command();
      done.set_value();
    });
    shared_->signal_locked();
  }
  ran.wait();
}

bool SocketLoop::responsive(std::chrono::milliseconds timeout) {
  // Shared: the loop may run the command after this caller has given up waiting.
  auto turned = std::make_shared<std::promise<void>>();
  auto done = turned->get_future();
  {
    std::lock_guard lock(shared_->mu);
    if (shared_->closed) return false;
    shared_->commands.push_back([turned] { turned->set_value(); });
    shared_->signal_locked();
  }
  return done.wait_for(timeout) == std::future_status::ready;
}

std::shared_ptr<SocketLoop::Socket> SocketLoop::make_socket(const std::shared_ptr<AgentEndpoint>& endpoint,
                                                            bool curve) {
  auto socket = std::make_shared<Socket>();
  socket->endpoint = endpoint;
  socket->curve = curve;
  socket->socket = zmq::socket_t(context_, zmq::socket_type::router);
  socket->socket.set(zmq::sockopt::linger, 0);
  if (curve) secure_server(socket->socket, *curve_);
  return socket;
}

SocketLoop::Bound SocketLoop::bind(std::shared_ptr<AgentEndpoint> endpoint,
                                   std::optional<TcpListener> tcp, const std::string& ipc) {
  Bound bound;
  if (!running_) {
    bound.error = "the socket loop is not running";
    return bound;
  }
  // Made and bound here, on the caller's thread (starts run in parallel, and a thousand
  // agents must not queue up behind one thread), then handed to the loop through its
  // command queue, whose mutex is the memory barrier a socket needs to change threads.
  auto socket = make_socket(endpoint, false);
  const std::string inproc = "inproc://agent/" + endpoint->name();
  try {
    socket->socket.bind(inproc);
  } catch (const zmq::error_t& e) {
    bound.error = fmt::format("cannot bind {}: {}", inproc, e.what());
    return bound;
  }
  // CURVE is a socket's setting, for all its addresses: the tcp one gets a socket of its own.
  auto tcp_socket = tcp && curve_ ? make_socket(endpoint, true) : socket;
  if (tcp) {
    try {
      // ZeroMQ takes the listening socket as it is, and closes it with the ROUTER socket.
      tcp_socket->socket.set(zmq::sockopt::use_fd, tcp->fd.get());
      tcp_socket->socket.bind(tcp->address);
      tcp->fd.release();
      // The option stays set: a later bind (ipc://, bind_also) would take the same fd again.
      tcp_socket->socket.set(zmq::sockopt::use_fd, -1);
      bound.tcp_endpoint = tcp->address;
    } catch (const zmq::error_t& e) {
      bound.error = fmt::format("cannot bind {}: {}", tcp->address, e.what());
      return bound;
    }
  }
  if (!ipc.empty()) {
    try {
      socket->socket.bind(ipc);
    } catch (const zmq::error_t& e) {
      bound.error = fmt::format("cannot bind {}: {}", ipc, e.what());
      return bound;
    }
  }
  std::vector<std::shared_ptr<Socket>> made{socket};
  if (tcp_socket != socket) made.push_back(tcp_socket);
  for (auto& one : made) one->fd = one->socket.get(zmq::sockopt::fd);
  std::lock_guard lock(shared_->mu);
  if (shared_->closed) {
    bound.error = "the socket loop has stopped";
    return bound;
  }
  for (auto& one : made) shared_->commands.push_back([this, one] { adopt(one); });
  shared_->signal_locked();
  return bound;
}

std::optional<std::string> SocketLoop::bind_also(const std::string& agent, const std::string& address) {
  if (!running_) return "the socket loop is not running";
  std::optional<std::string> error = fmt::format("agent '{}' has no bound socket", agent);
  // On the loop, which owns the list of sockets; the socket's own lock for the bind itself.
  run_on_loop([&] {
    for (const auto& socket : sockets_) {
      if (socket->endpoint->name() != agent || socket->curve) continue;
      std::lock_guard lock(socket->mu);
      if (socket->closed) return;
      try {
        socket->socket.bind(address);
        error.reset();
      } catch (const zmq::error_t& e) {
        error = fmt::format("cannot bind {}: {}", address, e.what());
      }
      return;
    }
  });
  return error;
}

void SocketLoop::unbind(const std::string& agent) {
  if (!running_) return;
  run_on_loop([&] {
    // Its plain socket, and its CURVE one when it has one.
    std::erase_if(sockets_, [&](const std::shared_ptr<Socket>& socket) {
      if (socket->endpoint->name() != agent) return false;
      ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, socket->fd, nullptr);
      socket->closed_by_loop = true;
      by_ptr_.erase(socket.get());
      std::lock_guard lock(socket->mu);
      socket->closed = true;
      socket->socket.close();
      return true;
    });
  });
}

std::shared_ptr<AgentEndpoint> SocketLoop::lead() {
  while (!stop_) {
    // epoll, not poll: a host with a thousand agents must not scan a thousand fds per wake.
    const int n = ::epoll_wait(epoll_fd_, events_.data(), static_cast<int>(events_.size()), -1);
    if (n < 0) {
      if (errno != EINTR) spdlog::error("agent sockets: epoll_wait failed: {}", std::strerror(errno));
      continue;
    }
    ready_.clear();
    bool woken = false;
    for (int k = 0; k < n; ++k) {
      auto* socket = static_cast<Socket*>(events_[k].data.ptr);
      if (!socket) {
        woken = true;
        continue;
      }
      auto it = by_ptr_.find(socket);
      if (it != by_ptr_.end()) ready_.push_back(it->second);
    }
    if (woken) {
      shared_->wakeup.clear();
      {
        std::lock_guard lock(shared_->mu);
        shared_->signalled = false;
        commands_.swap(shared_->commands);
        flagged_.swap(shared_->readable);
      }
      for (auto& command : commands_) command();
      commands_.clear();
      for (auto& weak : flagged_) {
        if (auto socket = weak.lock()) ready_.push_back(std::move(socket));
      }
      flagged_.clear();
      if (stop_) break;
    }
    seen_.clear();
    // Asked once a turn: only the leader raises the count of threads in handlers.
    const bool may_run_handler = shared_->threads.may_run_handler();
    std::shared_ptr<AgentEndpoint> claimed;
    for (auto& socket : ready_) {
      if (socket->closed_by_loop || !seen_.insert(socket.get()).second) continue;
      if (receive_from(socket, may_run_handler && !claimed)) claimed = socket->endpoint;
    }
    ready_.clear();
    if (claimed) return claimed;
  }
  return nullptr;
}

void SocketLoop::adopt(const std::shared_ptr<Socket>& socket) {
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.ptr = socket.get();
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, socket->fd, &event) != 0) {
    spdlog::error("agent sockets: cannot watch the socket of agent '{}': {}",
                  socket->endpoint->name(), std::strerror(errno));
  }
  sockets_.push_back(socket);
  by_ptr_[socket.get()] = socket;
  // Requests may have arrived before its fd was watched: look once.
  receive_from(socket, false);
}

void SocketLoop::close_all() {
  std::vector<std::function<void()>> commands;
  {
    std::lock_guard lock(shared_->mu);
    shared_->closed = true;
    commands.swap(shared_->commands);
  }
  for (auto& command : commands) command();  // let run_on_loop callers return
  for (auto& socket : sockets_) {
    std::lock_guard socket_lock(socket->mu);
    socket->closed = true;
    socket->socket.close();
  }
  sockets_.clear();
}

bool SocketLoop::receive_from(const std::shared_ptr<Socket>& socket, bool may_claim) {
  // Requests for the agent are collected under the socket's lock and handed over after it:
  // a closed agent answers at once, which sends on this same socket.
  std::vector<CallPtr> calls;
  {
    std::lock_guard lock(socket->mu);
    if (socket->closed) return false;
    Frames frames;
    bool drained = false;  // a receive found nothing: ZMQ_FD signals the next request
    for (int n = 0; n < kReceiveBatch; ++n) {
      frames.clear();
      try {
        // Received until EAGAIN rather than asking ZMQ_EVENTS first: each such question is
        // a poll(2) inside ZeroMQ, a receive that finds a message is none.
        if (!zmq::recv_multipart(socket->socket, std::back_inserter(frames),
                                 zmq::recv_flags::dontwait)) {
          drained = true;
          break;
        }
      } catch (const zmq::error_t& e) {
        if (e.num() != EAGAIN) spdlog::warn("agent sockets: receive failed: {}", e.what());
        drained = e.num() == EAGAIN;
        break;
      }
      shared_->received.fetch_add(1, std::memory_order_relaxed);
      auto parsed = parse_request(frames);
      if (auto* bad = std::get_if<Malformed>(&parsed)) {
        if (!bad->answerable) {
          shared_->malformed_dropped.fetch_add(1, std::memory_order_relaxed);
          continue;
        }
        shared_->malformed_answered.fetch_add(1, std::memory_order_relaxed);
        Frames reply = make_reply(std::move(bad->envelope), kBadRequest, bad->reason, bad->correlation);
        (void)zmq::send_multipart(socket->socket, reply, zmq::send_flags::dontwait);
        continue;
      }
      auto& request = std::get<WireRequest>(parsed);
      if (request.method == kHealthMethod) {
        // Answered from the host's current view: no agent code, no queue.
        Frames reply = make_reply(std::move(request.envelope), kOk,
                                  socket->endpoint->status_json(), request.correlation);
        (void)zmq::send_multipart(socket->socket, reply, zmq::send_flags::dontwait);
        continue;
      }
      if (request.method == kMetricsMethod) {
        int status = kNoSuchMethod;
        std::string body = "no metrics here";
        if (metrics_answer_) {
          try {
            body = metrics_answer_(socket->endpoint->name());
            status = kOk;
          } catch (const std::exception& e) {  // never the loop's end
            status = kHandlerFailed;
            body = e.what();
          }
        }
        Frames reply = make_reply(std::move(request.envelope), status, body, request.correlation);
        (void)zmq::send_multipart(socket->socket, reply, zmq::send_flags::dontwait);
        continue;
      }
      calls.push_back(std::make_shared<SocketCall>(std::move(request), socket, shared_));
    }
    // With a full batch taken, more may wait: poll(2) would not say so (ZMQ_FD is
    // edge-like), so look again on the next turn.
    if (!drained && socket->socket && (socket->socket.get(zmq::sockopt::events) & ZMQ_POLLIN)) {
      std::lock_guard shared_lock(shared_->mu);
      shared_->readable.push_back(socket);
      shared_->signal_locked();
    }
  }
  // The first call may claim the agent's drain for this thread: it and the agent's calls
  // queued behind it then run here, after the lead has been handed over.
  bool claimed = false;
  for (auto& call : calls) {
    if (may_claim && !claimed) {
      claimed = socket->endpoint->submit_claiming_drain(std::move(call));
    } else {
      socket->endpoint->submit(std::move(call));
    }
  }
  return claimed;
}

SocketLoopCounters SocketLoop::counters() const {
  return {shared_->received.load(std::memory_order_relaxed),
          shared_->malformed_answered.load(std::memory_order_relaxed),
          shared_->malformed_dropped.load(std::memory_order_relaxed),
          shared_->replies_dropped.load(std::memory_order_relaxed)};
}

}  // namespace agenthost::messaging
