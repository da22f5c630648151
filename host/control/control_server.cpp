#include "control/control_server.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <variant>
#include <vector>

#include <spdlog/spdlog.h>

#include "control/unix_socket.hpp"

namespace agenthost::control {
namespace {

using Clock = std::chrono::steady_clock;

// Sent when even building an error answer failed.
constexpr std::string_view kInternalErrorLine =
    R"({"ok":false,"protocol":1,"error":"internal error"})"
    "\n";

std::string errno_text(int error) { return std::error_code(error, std::generic_category()).message(); }

std::string answer_line(const nlohmann::json& answer) {
  if (answer.is_null()) return std::string(kInternalErrorLine);
  // Agent texts (reasons, health details) may hold invalid UTF-8: replace, never throw.
  return answer.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + '\n';
}

// One client connection, only ever touched by the server thread. Requests are answered one at
// a time: the next line is read only once the previous answer is flushed, so a client that
// sends without reading cannot make the server buffer unbounded answers.
class Connection {
 public:
  Connection(UniqueFd fd, const SnapshotSource& source, const CommandHandler& handler,
             std::size_t max_request_bytes)
      : fd_(std::move(fd)), source_(&source), handler_(&handler),
        max_request_bytes_(max_request_bytes), last_activity_(Clock::now()) {}

  int fd() const { return fd_.get(); }
  bool closed() const { return closed_; }
  void close() { closed_ = true; }
  Clock::time_point last_activity() const { return last_activity_; }

  short wanted_events() const {
    if (has_output()) return POLLOUT;
    return closing_ ? 0 : POLLIN;
  }

  void on_events(short revents) {
    if (revents & (POLLERR | POLLNVAL)) return close();
    if (revents & POLLOUT) flush();
    if (!closed_ && (revents & (POLLIN | POLLHUP)) && !has_output()) read_some();
    // Answer what is already buffered while answers go out at once; a client that does not
    // read stops this as soon as its socket buffer is full.
    while (!closed_ && !closing_ && !has_output() && answer_buffered()) {
    }
    if (closing_ && !has_output()) close();
  }

 private:
  bool has_output() const { return sent_ < out_.size(); }

  void read_some() {
    char buffer[16 * 1024];
    const ssize_t n = ::recv(fd_.get(), buffer, sizeof(buffer), MSG_DONTWAIT);
    if (n > 0) {
      in_.append(buffer, static_cast<std::size_t>(n));
      last_activity_ = Clock::now();
    } else if (n == 0) {
      peer_done_ = true;
    } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      spdlog::debug("control socket: client read failed: {}", errno_text(errno));
      close();
    }
  }

  // Answers the first complete line (or the final unterminated one after EOF), if any.
  // Returns whether it answered something.
  bool answer_buffered() {
    const auto newline = in_.find('\n');
    const std::size_t line_length = newline == std::string::npos ? in_.size() : newline;
    if (line_length > max_request_bytes_) {
      queue(answer_line(error_answer(
          "request line longer than " + std::to_string(max_request_bytes_) + " bytes")));
      closing_ = true;  // the rest of the stream cannot be framed reliably
      return true;
    }
    if (newline != std::string::npos) {
      queue(answer_line(answer_request(std::string_view(in_).substr(0, newline), *source_, *handler_)));
      in_.erase(0, newline + 1);
      return true;
    }
    if (peer_done_) {
      if (!in_.empty()) queue(answer_line(answer_request(in_, *source_, *handler_)));
      in_.clear();
      closing_ = true;
      return true;
    }
    return false;
  }

  void queue(std::string line) {
    out_ = std::move(line);
    sent_ = 0;
    flush();  // usually completes at once, saving a poll() round
  }

  void flush() {
    while (has_output()) {
      const ssize_t n = ::send(fd_.get(), out_.data() + sent_, out_.size() - sent_,
                               MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n > 0) {
        sent_ += static_cast<std::size_t>(n);
        last_activity_ = Clock::now();
      } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        return;
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else {
        spdlog::debug("control socket: client write failed: {}", errno_text(errno));
        return close();
      }
    }
    out_.clear();
    sent_ = 0;
  }

  UniqueFd fd_;
  const SnapshotSource* source_;  // owned by the ControlServer, which outlives every client
  const CommandHandler* handler_;
  std::size_t max_request_bytes_;
  std::string in_;
  std::string out_;
  std::size_t sent_ = 0;
  bool peer_done_ = false;  // the client shut down its sending side
  bool closing_ = false;    // close once out_ is flushed
  bool closed_ = false;
  Clock::time_point last_activity_;
};

}  // namespace

ControlServer::ControlServer(std::filesystem::path socket_path, SnapshotSource snapshot_source,
                             CommandHandler handler, ControlServerOptions options)
    : socket_path_(std::move(socket_path)),
      snapshot_source_(std::move(snapshot_source)),
      handler_(std::move(handler)),
      options_(options) {}

ControlServer::~ControlServer() { stop(); }

std::optional<std::string> ControlServer::listen() {
  if (listening()) return std::nullopt;
  UniqueFd wake(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!wake) return "control socket: cannot create eventfd: " + errno_text(errno);

  auto bound = listen_unix(socket_path_, {options_.mode, options_.owner, options_.group}, /*backlog=*/64);
  if (auto* error = std::get_if<std::string>(&bound)) return *error;
  auto& socket = std::get<ListeningSocket>(bound);

  listen_fd_ = std::move(socket.fd);
  socket_device_ = socket.device;
  socket_inode_ = socket.inode;
  wake_fd_ = std::move(wake);
  return std::nullopt;
}

std::optional<std::string> ControlServer::start() {
  if (running()) return std::nullopt;
  if (auto error = listen()) return error;
  try {
    thread_ = std::thread([this] { serve(); });
  } catch (const std::system_error& e) {
    close_socket();
    return "control socket '" + socket_path_.native() + "': cannot start thread: " + e.what();
  }
  spdlog::info("control socket listening on '{}'", socket_path_.native());
  return std::nullopt;
}

void ControlServer::stop() {
  if (running()) {
    const std::uint64_t one = 1;
    // An eventfd write only fails when the counter would overflow: then it is already readable.
    [[maybe_unused]] auto written = ::write(wake_fd_.get(), &one, sizeof(one));
    thread_.join();
  }
  if (listening()) close_socket();
}

void ControlServer::close_socket() {
  listen_fd_.reset();
  wake_fd_.reset();
  // A newer host may have replaced a socket file we no longer own: leave that one alone.
  if (is_same_socket_file(socket_path_, socket_device_, socket_inode_))
    ::unlink(socket_path_.c_str());
}

void ControlServer::serve() noexcept {
  try {
    serve_clients();
  } catch (const std::exception& e) {
    // Only allocation can throw here; callbacks' exceptions are answered by answer_request().
    spdlog::error("control socket '{}': server thread failed, no longer serving: {}",
                  socket_path_.native(), e.what());
  }
}

void ControlServer::serve_clients() {
  std::vector<Connection> clients;
  std::vector<pollfd> fds;
  Clock::time_point accept_paused_until{};  // after EMFILE: retrying at once would spin

  for (;;) {
    const auto now = Clock::now();
    fds.clear();
    fds.push_back({wake_fd_.get(), POLLIN, 0});
    fds.push_back({now >= accept_paused_until ? listen_fd_.get() : -1, POLLIN, 0});
    auto next_deadline = Clock::time_point::max();
    if (now < accept_paused_until) next_deadline = accept_paused_until;
    for (const auto& client : clients) {
      fds.push_back({client.fd(), client.wanted_events(), 0});
      next_deadline = std::min(next_deadline, client.last_activity() + options_.idle_timeout);
    }
    int timeout_ms = -1;
    if (next_deadline != Clock::time_point::max()) {
      auto wait = std::chrono::ceil<std::chrono::milliseconds>(next_deadline - now).count();
      timeout_ms = static_cast<int>(std::clamp<decltype(wait)>(wait, 0, 60'000));
    }

    if (::poll(fds.data(), fds.size(), timeout_ms) < 0) {
      if (errno == EINTR) continue;
      spdlog::error("control socket '{}': poll failed, no longer serving: {}",
                    socket_path_.native(), errno_text(errno));
      return;
    }
    if (fds[0].revents != 0) return;  // stop()

    const auto after_poll = Clock::now();
    for (std::size_t i = 0; i < clients.size(); ++i) {
      if (fds[i + 2].revents != 0) clients[i].on_events(fds[i + 2].revents);
      if (!clients[i].closed() && after_poll - clients[i].last_activity() >= options_.idle_timeout) {
        spdlog::debug("control socket: closing a client idle for {} ms", options_.idle_timeout.count());
        clients[i].close();
      }
    }
    std::erase_if(clients, [](const Connection& c) { return c.closed(); });

    if (fds[1].revents & POLLIN) {
      for (;;) {
        UniqueFd fd(::accept4(listen_fd_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
        if (!fd) {
          if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
            spdlog::warn("control socket: cannot accept: {}", errno_text(errno));
            accept_paused_until = Clock::now() + std::chrono::milliseconds(100);
          } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
                     errno != ECONNABORTED) {
            spdlog::warn("control socket: accept failed: {}", errno_text(errno));
          }
          break;
        }
        if (clients.size() >= options_.max_clients) {
          spdlog::warn("control socket: refusing a client: {} clients connected",
                       clients.size());
          auto line = answer_line(error_answer("too many control clients, try again later"));
          [[maybe_unused]] auto sent =
              ::send(fd.get(), line.data(), line.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
          continue;
        }
        clients.emplace_back(std::move(fd), snapshot_source_, handler_, options_.max_request_bytes);
      }
    }
  }
}

}  // namespace agenthost::control
