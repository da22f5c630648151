#include "control/control_client.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdlib>
#include <system_error>
#include <variant>

#include <fmt/format.h>

#include "control/control_protocol.hpp"
#include "control/unix_socket.hpp"

namespace agenthost::control {
namespace {

using Clock = std::chrono::steady_clock;

std::string errno_text(int error) { return std::error_code(error, std::generic_category()).message(); }

ControlReply failed(ControlReply::Failure failure, int error_number, std::string message) {
  ControlReply reply;
  reply.failure = failure;
  reply.error_number = error_number;
  reply.error = std::move(message);
  return reply;
}

// Waits for `events` on `fd` until `deadline`. Returns false on timeout.
bool wait_for(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 60'000)));
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return true;  // let the following send/recv report it
  }
}

}  // namespace

std::filesystem::path resolve_socket_path(const std::optional<std::string>& explicit_path) {
  if (explicit_path && !explicit_path->empty()) return *explicit_path;
  if (const char* env = std::getenv(kSocketPathEnvVar); env != nullptr && *env != '\0') return env;
  return std::filesystem::path(std::string(kDefaultSocketPath));
}

ControlClient::ControlClient(std::filesystem::path socket_path, std::chrono::milliseconds timeout)
    : socket_path_(std::move(socket_path)), timeout_(timeout) {}

ControlReply ControlClient::request(const nlohmann::json& request) const {
  using Failure = ControlReply::Failure;
  const auto deadline = Clock::now() + timeout_;
  const std::string& path = socket_path_.native();

  auto connected = connect_unix(socket_path_, timeout_);
  if (auto* error = std::get_if<int>(&connected)) {
    if (*error == ETIMEDOUT)
      return failed(Failure::timeout, *error,
                    fmt::format("cannot connect to {}: no answer within {} ms", path, timeout_.count()));
    return failed(Failure::connect, *error,
                  fmt::format("cannot connect to {}: {}", path, errno_text(*error)));
  }
  const UniqueFd fd = std::move(std::get<UniqueFd>(connected));

  const std::string line = request.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + '\n';
  for (std::size_t sent = 0; sent < line.size();) {
    if (!wait_for(fd.get(), POLLOUT, deadline))
      return failed(Failure::timeout, ETIMEDOUT,
                    fmt::format("{}: the host did not take the request within {} ms", path, timeout_.count()));
    const ssize_t n = ::send(fd.get(), line.data() + sent, line.size() - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n >= 0) sent += static_cast<std::size_t>(n);
    else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
      return failed(Failure::io, errno, fmt::format("{}: sending the request failed: {}", path, errno_text(errno)));
  }

  std::string answer;
  for (;;) {
    const auto newline = answer.find('\n');
    if (newline != std::string::npos) {
      answer.resize(newline);
      break;
    }
    if (answer.size() > kMaxAnswerBytes)
      return failed(Failure::bad_answer, 0, fmt::format("{}: answer longer than {} bytes", path, kMaxAnswerBytes));
    if (!wait_for(fd.get(), POLLIN, deadline))
      return failed(Failure::timeout, ETIMEDOUT,
                    fmt::format("{}: no answer within {} ms (is the host stuck? try --timeout)", path, timeout_.count()));
    char buffer[64 * 1024];
    const ssize_t n = ::recv(fd.get(), buffer, sizeof(buffer), MSG_DONTWAIT);
    if (n > 0) {
      answer.append(buffer, static_cast<std::size_t>(n));
    } else if (n == 0) {
      if (answer.empty())
        return failed(Failure::io, 0, fmt::format("{}: the host closed the connection without answering", path));
      break;  // an unterminated last line is still an answer
    } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      return failed(Failure::io, errno, fmt::format("{}: reading the answer failed: {}", path, errno_text(errno)));
    }
  }

  auto parsed = nlohmann::json::parse(answer, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object() || !parsed.contains("ok") || !parsed["ok"].is_boolean())
    return failed(Failure::bad_answer, 0,
                  fmt::format("{}: the answer is not an agenthost control answer (wrong socket?)", path));
  ControlReply reply;
  reply.answer = std::move(parsed);
  return reply;
}

}  // namespace agenthost::control
