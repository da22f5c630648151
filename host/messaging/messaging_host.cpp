#include "messaging/messaging_host.hpp"

#include "messaging/cpu_affinity.hpp"
#include "messaging/ipc_endpoint.hpp"
#include "messaging/tcp_address.hpp"

#include <filesystem>

#include <future>
#include <system_error>
#include <utility>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace agenthost::messaging {
namespace {

std::size_t worker_count(std::size_t configured) {
  if (configured > 0) return configured;
  return std::max<std::size_t>(2, std::thread::hardware_concurrency());
}

// host.sockets_cpu if this process may run there; else a warning, and nothing is pinned.
std::optional<int> usable_sockets_cpu(std::optional<int> cpu) {
  if (!cpu) return std::nullopt;
  if (auto why = cpu_unusable(*cpu)) {
    spdlog::warn("host.sockets_cpu: {}; the socket threads are not pinned", *why);
    return std::nullopt;
  }
  return cpu;
}

// ZeroMQ starts its I/O thread with the context's first socket, pinned as the context says.
std::unique_ptr<zmq::context_t> make_context(std::optional<int> cpu) {
  auto context = std::make_unique<zmq::context_t>(1);
  if (cpu && zmq_ctx_set(context->handle(), ZMQ_THREAD_AFFINITY_CPU_ADD, *cpu) != 0)
    spdlog::warn("host.sockets_cpu: ZeroMQ refused CPU {} for its I/O thread: {}", *cpu, zmq_strerror(zmq_errno()));
  return context;
}

// A listening socket for the agent's port (nullopt when it has none); an error names the address.
std::variant<std::optional<TcpListener>, std::string> open_port(const std::string& bind, std::optional<int> port,
                                                                 bool port_auto) {
  if (!port && !port_auto) return std::optional<TcpListener>();
  auto listener = open_tcp_listener(bind, port_auto ? 0 : port.value_or(0));
  if (auto* error = std::get_if<std::string>(&listener)) return *error;
  return std::optional<TcpListener>(std::move(std::get<TcpListener>(listener)));
}

std::string port_of(const std::string& endpoint) {
  auto colon = endpoint.rfind(':');
  return colon == std::string::npos ? "" : endpoint.substr(colon + 1);
}

}  // namespace

MessagingHost::MessagingHost(MessagingOptions options)
    : options_(std::move(options)),
      sockets_cpu_(usable_sockets_cpu(options_.sockets_cpu)),
      context_(make_context(sockets_cpu_)),
      workers_("agent-workers", worker_count(options_.workers)),
      loop_(*context_, workers_.workers(), options_.curve),
      pool_(*context_, 64, options_.curve),
      registry_(options_.machine),
      ipc_dir_(options_.ipc_dir) {
  if (options_.metrics_answer) loop_.set_metrics_answer(options_.metrics_answer);
  if (sockets_cpu_) loop_.pin_to_cpu(*sockets_cpu_);
  if (!options_.parent_ipc_dir.empty()) {
    // An isolated child: the host's agents answer in the folder the host exposes them in.
    // Named apart from this child's machine, or clients would look for the agent in here.
    registry_.set_fallback([dir = options_.parent_ipc_dir, machine = options_.machine + "/host"](const std::string& agent) {
      std::optional<RegistryEntry> entry;
      const auto endpoint = ipc_endpoint(dir, agent);
      std::error_code error;
      if (std::filesystem::exists(ipc_file(endpoint), error)) entry = RegistryEntry{agent, machine, endpoint, true};
      return entry;
    });
  }
}

MessagingHost::~MessagingHost() { stop(); }

std::optional<std::string> MessagingHost::start(LoopThreads threads) {
  if (started_) return std::nullopt;
  started_ = true;
  if (options_.curve) {
    // Before any CURVE socket binds: a handshake without a handler would be admitted.
    zap_ = std::make_unique<ZapAuthenticator>(*context_, options_.curve, options_.on_curve_refused);
    if (auto error = zap_->start()) {
      zap_.reset();
      return error;
    }
  }
  loop_.open();
  if (threads == LoopThreads::now) loop_.start_threads();
  if (options_.peers) {
    auto peers = *options_.peers;
    peers.curve = options_.curve;
    backend_ = std::make_unique<PeerAnnouncer>(*context_, registry_, std::move(peers));
  } else if (options_.etcd) {
    backend_ = std::make_unique<EtcdRegistryBackend>(registry_, *options_.etcd);
  }
  if (backend_) {
    if (auto error = backend_->start()) {
      backend_.reset();
      return error;
    }
  }
  return std::nullopt;
}

void MessagingHost::start_loop() {
  if (!started_) return;
  try {
    loop_.start_threads();
  } catch (const std::system_error& e) {
    // Agents are starting: the host goes on (as when a loop thread cannot be added later),
    // and says why no request is answered.
    spdlog::error("agent sockets: cannot start the socket loop's thread ({}); requests to agents are not answered",
                  e.what());
  }
}

void MessagingHost::stop() {
  if (!started_) return;
  started_ = false;
  if (backend_) backend_->stop();
  loop_.stop();
  task_timer_.cancel_all();  // no agent task is handed to the workers any more
  workers_.shutdown(std::chrono::milliseconds(500));
  pool_.close();
  if (zap_) zap_->stop();
  // zmq_ctx_term waits for every socket to be closed. A socket an agent forgot to close would
  // hang the host's exit: give it a moment, then leave the context to the process's end.
  auto* context = context_.release();
  context->shutdown();
  auto closed = std::async(std::launch::async, [context] { delete context; });
  if (closed.wait_for(std::chrono::seconds(1)) != std::future_status::ready) {
    spdlog::warn("messaging: sockets are still open after every agent stopped (an agent did not "
                 "close a socket it made from zmq_context()); leaving them to the process exit");
    std::thread([f = std::move(closed)]() mutable { f.wait(); }).detach();
  }
}

MessagingHost::CalledEndpoint& MessagingHost::called(const std::string& endpoint) {
  std::lock_guard lock(mu_);
  auto& slot = called_[endpoint];
  if (!slot) {
    slot = std::make_unique<CalledEndpoint>(options_.client.breaker_failures,
                                            options_.client.breaker_open_for);
  }
  return *slot;
}

MessagingHost::Served& MessagingHost::served_locked(const std::string& agent, int concurrency) {
  auto& served = served_[agent];
  if (!served.endpoint) served.endpoint = std::make_shared<AgentEndpoint>(agent, concurrency, workers_);
  return served;
}

std::shared_ptr<AgentEndpoint> MessagingHost::endpoint(const std::string& agent, int concurrency) {
  std::lock_guard lock(mu_);
  auto& served = served_locked(agent, concurrency);
  served.started = true;
  return served.endpoint;
}

std::shared_ptr<AgentEndpoint> MessagingHost::find_endpoint(std::string_view agent) const {
  std::lock_guard lock(mu_);
  auto it = served_.find(agent);
  return it == served_.end() ? nullptr : it->second.endpoint;
}

std::shared_ptr<AgentEndpoint> MessagingHost::started_endpoint(std::string_view agent) const {
  std::lock_guard lock(mu_);
  auto it = served_.find(agent);
  return it == served_.end() || !it->second.started ? nullptr : it->second.endpoint;
}

void MessagingHost::bind_ahead(const std::string& agent, int concurrency, std::optional<int> port,
                               bool port_auto) {
  {
    std::lock_guard lock(mu_);
    served_locked(agent, concurrency);
  }
  (void)bind(agent, port, port_auto);
}

void MessagingHost::close_unstarted(const std::string& agent, const std::string& why) {
  std::shared_ptr<AgentEndpoint> endpoint;
  {
    std::lock_guard lock(mu_);
    auto it = served_.find(agent);
    if (it == served_.end() || it->second.started) return;
    endpoint = it->second.endpoint;
  }
  if (endpoint) endpoint->close(why);
}

std::variant<MessagingHost::BindTarget, std::string> MessagingHost::bind_target(const std::string& agent) const {
  std::lock_guard lock(mu_);
  auto it = served_.find(agent);
  if (it == served_.end() || !it->second.endpoint) return fmt::format("agent '{}' has no endpoint", agent);
  return BindTarget{it->second.endpoint, it->second.binding};
}

std::optional<std::string> MessagingHost::reserve(const std::string& agent, std::optional<int> port,
                                                  bool port_auto) {
  if (!port && !port_auto) return std::nullopt;
  auto target = bind_target(agent);
  if (auto* error = std::get_if<std::string>(&target)) return *error;
  std::lock_guard bind_lock(*std::get<BindTarget>(target).binding);
  {
    std::lock_guard lock(mu_);
    const auto& served = served_.find(agent)->second;
    if (served.bound || served.reserved) return std::nullopt;
  }
  auto listener = open_port(options_.bind, port, port_auto);
  if (auto* error = std::get_if<std::string>(&listener)) return *error;
  std::lock_guard lock(mu_);
  served_.find(agent)->second.reserved = std::move(std::get<std::optional<TcpListener>>(listener));
  return std::nullopt;
}

std::optional<std::string> MessagingHost::bind(const std::string& agent, std::optional<int> port,
                                               bool port_auto) {
  auto target = bind_target(agent);
  if (auto* error = std::get_if<std::string>(&target)) return *error;
  auto& [endpoint, binding] = std::get<BindTarget>(target);
  std::lock_guard bind_lock(*binding);
  std::string ipc_dir;
  std::optional<TcpListener> tcp;
  {
    std::lock_guard lock(mu_);
    auto& served = served_.find(agent)->second;
    if (served.bound) return std::nullopt;  // bound before: endpoints persist
    ipc_dir = ipc_dir_;
    tcp = std::exchange(served.reserved, std::nullopt);
  }
  if (!tcp) {
    auto listener = open_port(options_.bind, port, port_auto);
    if (auto* error = std::get_if<std::string>(&listener)) return *error;
    tcp = std::move(std::get<std::optional<TcpListener>>(listener));
  }
  auto bound = loop_.bind(endpoint, std::move(tcp), ipc_dir.empty() ? "" : ipc_endpoint(ipc_dir, agent));
  if (bound.error) return bound.error;
  std::string exposed_meanwhile;
  {
    std::lock_guard lock(mu_);
    auto& served = served_[agent];
    served.bound = true;
    if (!bound.tcp_endpoint.empty()) {
      served.tcp = tcp_address(options_.advertise, port_of(bound.tcp_endpoint));
    }
    // expose_over_ipc() ran after the folder was read above, before this socket was marked
    // bound: it did not see this one.
    if (ipc_dir_ != ipc_dir) exposed_meanwhile = ipc_dir_;
  }
  if (!exposed_meanwhile.empty()) return loop_.bind_also(agent, ipc_endpoint(exposed_meanwhile, agent));
  return std::nullopt;
}

std::optional<std::string> MessagingHost::expose_over_ipc(const std::string& dir) {
  std::vector<std::string> bound;
  {
    std::lock_guard lock(mu_);
    if (!ipc_dir_.empty()) return std::nullopt;
    ipc_dir_ = dir;
    for (const auto& [name, served] : served_)
      if (served.bound) bound.push_back(name);
  }
  std::optional<std::string> first_error;
  for (const auto& name : bound) {
    auto error = loop_.bind_also(name, ipc_endpoint(dir, name));
    if (error && !first_error) first_error = error;
  }
  return first_error;
}

std::string MessagingHost::tcp_endpoint(std::string_view agent) const {
  std::lock_guard lock(mu_);
  auto it = served_.find(agent);
  return it == served_.end() ? "" : it->second.tcp;
}

void MessagingHost::agent_ready(const std::string& agent) {
  auto endpoint = find_endpoint(agent);
  if (!endpoint) return;
  endpoint->open();
  registry_.publish({agent, options_.machine, tcp_endpoint(agent), true});
}

void MessagingHost::agent_gone(const std::string& agent, const std::string& why,
                               std::chrono::milliseconds drain) {
  auto endpoint = find_endpoint(agent);
  registry_.publish({agent, options_.machine, tcp_endpoint(agent), false});
  if (!endpoint) return;
  endpoint->close(why);
  if (!endpoint->wait_idle(drain)) {
    spdlog::warn("agent '{}': a request handler still runs {} ms after the agent left", agent,
                 drain.count());
  }
  endpoint->clear_handlers();
}

}  // namespace agenthost::messaging
