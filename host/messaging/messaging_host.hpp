#pragma once
// Everything messaging in one host: the one ZeroMQ context, the socket loop with every
// agent's bound endpoint, the worker pool that runs handlers, the connection pool, the
// registry and its backend, the circuit breakers. The runtime creates an agent's endpoint
// before configure() and reserves its port; its sockets are bound before start() or, for
// the first agents, while they start (reserve()); it opens the endpoint when the agent is
// ready and retires it after stop(); clients look agents up here.
//
// Threads: thread-safe, except start(), start_loop() and stop() (the host's control thread).

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <zmq.hpp>

#include "messaging/agent_endpoint.hpp"
#include "messaging/circuit_breaker.hpp"
#include "messaging/connection_pool.hpp"
#include "messaging/curve_security.hpp"
#include "messaging/deadline_watch.hpp"
#include "messaging/etcd_registry_backend.hpp"
#include "messaging/peer_announcer.hpp"
#include "messaging/registry.hpp"
#include "messaging/registry_backend.hpp"
#include "messaging/socket_loop.hpp"
#include "supervision/delayed_tasks.hpp"
#include "messaging/worker_pool.hpp"
#include "messaging/zap_authenticator.hpp"

namespace agenthost::messaging {

struct ClientSettings {
  std::chrono::milliseconds retry_backoff{10};
  std::chrono::milliseconds retry_backoff_max{200};
  int breaker_failures = 5;
  std::chrono::milliseconds breaker_open_for{1000};
  std::chrono::milliseconds connect_timeout{500};
};

struct MessagingOptions {
  std::string machine;
  std::string bind = "127.0.0.1";       // where agents' tcp endpoints listen
  std::string advertise = "127.0.0.1";  // how other hosts reach them
  std::size_t workers = 0;              // 0: max(2, hardware threads)
  // The CPU for ZeroMQ's I/O thread and the socket threads (SocketLoop); nullopt: not pinned.
  std::optional<int> sockets_cpu;
  ClientSettings client;
  // Isolation (README, "Isolation"). ipc_dir: every agent's socket is also bound at
  // ipc_endpoint(ipc_dir, NAME) (an isolated child's agent, for its host). parent_ipc_dir: a
  // name the registry does not know is looked up there, among the host's agents (in a child).
  std::string ipc_dir;
  std::string parent_ipc_dir;
  // ZeroMQ CURVE on every tcp socket (README, "Security"); null = plain. `on_curve_refused`
  // hears of refused clients (at most once a minute per key).
  std::shared_ptr<const CurveSettings> curve;
  std::function<void(const std::string&)> on_curve_refused;
  // The answer to agenthost.metrics on an agent's socket: that agent's own metric families as
  // JSON (observability/metric_families_json.hpp). Unset: 404.
  std::function<std::string(const std::string& agent)> metrics_answer;
  // The registry backend, when one is configured: at most one of these.
  std::optional<PeerOptions> peers;  // `peers`
  std::optional<EtcdOptions> etcd;   // `etcd`
};

class MessagingHost {
 public:
  explicit MessagingHost(MessagingOptions options);
  ~MessagingHost();  // stop()
  MessagingHost(const MessagingHost&) = delete;
  MessagingHost& operator=(const MessagingHost&) = delete;

  // Takes binds and calls from here on. With LoopThreads::later they are served once
  // start_loop() has run (a call made meanwhile waits, as for a busy loop): the host makes
  // the socket loop's threads and ZeroMQ's (~1.4 ms in a small VM) beside its first agents'
  // starts. An error names the address that could not be bound.
  enum class LoopThreads { now, later };
  std::optional<std::string> start(LoopThreads threads = LoopThreads::now);
  void start_loop();  // after start(LoopThreads::later); stop() does it if this never ran
  void stop();

  zmq::context_t& context() noexcept { return *context_; }
  SocketPool& sockets() noexcept { return pool_; }
  Registry& registry() noexcept { return registry_; }
  WorkerPool& workers() noexcept { return workers_; }
  supervision::DelayedTasks& task_timer() noexcept { return task_timer_; }  // agents' tasks (API 1.6)
  DeadlineWatch& deadlines() noexcept { return deadlines_; }
  const MessagingOptions& options() const noexcept { return options_; }
  // What this host's clients keep per endpoint they call ("tcp://..." or, for an agent in this
  // host, inproc://agent/NAME): its circuit breaker and their calls in flight to it (for
  // spreading calls over replicas). Created on first use, never removed: references stay valid.
  struct CalledEndpoint {
    CalledEndpoint(int failures, std::chrono::milliseconds open_for) : breaker(failures, open_for) {}
    CircuitBreaker breaker;
    std::atomic<int> outstanding{0};
  };
  CalledEndpoint& called(const std::string& endpoint);
  CircuitBreaker& breaker(const std::string& endpoint) { return called(endpoint).breaker; }

  // The agent's endpoint, created held on first use: its start's. From then on in-host callers
  // find it (started_endpoint).
  std::shared_ptr<AgentEndpoint> endpoint(const std::string& agent, int concurrency);
  // Every endpoint, also those bound ahead (the host's own bookkeeping: status, reloads).
  std::shared_ptr<AgentEndpoint> find_endpoint(std::string_view agent) const;
  // The endpoint of an agent whose start has begun: what in-host callers call. An agent that
  // waits for its dependencies is not ready, and says so through the registry.
  std::shared_ptr<AgentEndpoint> started_endpoint(std::string_view agent) const;
  // Before the agent's start: creates its endpoint and binds its sockets, so that its start
  // finds them bound. Requests over them are held until it is ready (or their deadline). A
  // failure (a port taken) is left for the start's bind() to meet and report.
  void bind_ahead(const std::string& agent, int concurrency, std::optional<int> port, bool port_auto);
  // An agent bound ahead whose start will not come (it is blocked): requests held for it are
  // answered 503 with `why`, and so are later ones until a start claims it. Safe under the
  // caller's locks: only socket requests reach an endpoint no start has claimed.
  void close_unstarted(const std::string& agent, const std::string& why);

  // Opens the agent's tcp listening socket now (with a port, or `auto`), for its bind() to
  // take over: a taken port is an error here, before the agent's code runs, while the
  // ZeroMQ sockets can be made later, beside its start. Nothing to do when bound already.
  std::optional<std::string> reserve(const std::string& agent, std::optional<int> port, bool port_auto);
  // Binds inproc://agent/NAME and, with a port (or `auto`), tcp on the bind address (the
  // reserved listening socket, if any). Once: later calls find it bound. Two threads may bind
  // one agent at once (an agent's start and the host binding ahead of it): the second waits
  // for the first and finds it bound.
  std::optional<std::string> bind(const std::string& agent, std::optional<int> port,
                                  bool port_auto);
  std::string tcp_endpoint(std::string_view agent) const;  // "" when none
  // From now on every agent's socket is also bound at ipc_endpoint(dir, NAME): those bound
  // already, and every later one (for isolated children to call this host's agents). Once;
  // later calls with another folder are ignored. An error names an address that failed.
  std::optional<std::string> expose_over_ipc(const std::string& dir);

  // The agent is ready: handle its queued calls, tell the registry.
  void agent_ready(const std::string& agent);
  // The agent is no longer ready (stopping, failed): the registry says so, and new calls are
  // answered 503 with `why`. Waits up to `drain` for running handlers.
  void agent_gone(const std::string& agent, const std::string& why,
                  std::chrono::milliseconds drain);

  SocketLoopCounters socket_counters() const { return loop_.counters(); }
  // The I/O loop takes a command within `timeout` (the admin listener's /healthz).
  bool loop_responsive(std::chrono::milliseconds timeout) { return loop_.responsive(timeout); }

 private:
  struct Served {
    std::shared_ptr<AgentEndpoint> endpoint;
    std::string tcp;  // as published: tcp://ADVERTISE:PORT
    bool bound = false;
    bool started = false;  // endpoint() was called: a start has claimed it
    std::shared_ptr<std::mutex> binding = std::make_shared<std::mutex>();  // held by reserve() and bind()
    std::optional<TcpListener> reserved;  // reserve()'s listening socket, until bind() takes it
  };
  Served& served_locked(const std::string& agent, int concurrency);  // made, with its endpoint, if new
  // What reserve() and bind() work on: the agent's endpoint and the mutex its binds hold.
  struct BindTarget {
    std::shared_ptr<AgentEndpoint> endpoint;
    std::shared_ptr<std::mutex> binding;
  };
  std::variant<BindTarget, std::string> bind_target(const std::string& agent) const;  // error: no endpoint

  const MessagingOptions options_;
  const std::optional<int> sockets_cpu_;  // options_.sockets_cpu if this process may use it
  std::unique_ptr<zmq::context_t> context_;
  WorkerPool workers_;
  supervision::DelayedTasks task_timer_;  // after workers_: it posts to them, so it goes first
  DeadlineWatch deadlines_;
  SocketLoop loop_;
  ConnectionPool pool_;
  Registry registry_;
  std::unique_ptr<RegistryBackend> backend_;
  std::unique_ptr<ZapAuthenticator> zap_;  // with CURVE: from start() to the context's end
  bool started_ = false;

  mutable std::mutex mu_;
  std::string ipc_dir_;  // guarded by mu_: options_.ipc_dir, or set by expose_over_ipc()
  std::map<std::string, Served, std::less<>> served_;                          // guarded by mu_
  std::map<std::string, std::unique_ptr<CalledEndpoint>, std::less<>> called_;  // guarded by mu_
};

}  // namespace agenthost::messaging
