#include "support/http_get.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <optional>

namespace agenthost::testing {
namespace {

using Clock = std::chrono::steady_clock;

struct Url {
  std::string host;
  int port = 80;
  std::string target = "/";
};

std::optional<Url> parse_url(const std::string& url) {
  constexpr std::string_view kScheme = "http://";
  if (url.rfind(kScheme, 0) != 0) return std::nullopt;
  const std::string rest = url.substr(kScheme.size());
  const auto slash = rest.find('/');
  const std::string authority = rest.substr(0, slash);
  Url out;
  if (slash != std::string::npos) out.target = rest.substr(slash);
  const auto colon = authority.rfind(':');
  out.host = authority.substr(0, colon);
  if (colon != std::string::npos) {
    try {
      out.port = std::stoi(authority.substr(colon + 1));
    } catch (...) {
      return std::nullopt;
    }
  }
  return out;
}

// Closes the socket on every way out.
struct Socket {
  int fd = -1;
  ~Socket() {
    if (fd >= 0) ::close(fd);
  }
};

// Waits for `events` on `fd` until `deadline`; false on timeout or error.
bool wait_for(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, events, 0};
    const int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r > 0) return true;
    if (r < 0 && errno != EINTR) return false;
  }
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// Decodes a `Transfer-Encoding: chunked` body (Prometheus' Go server uses it for large answers).
std::optional<std::string> dechunk(const std::string& raw) {
  std::string out;
  std::size_t pos = 0;
  for (;;) {
    const auto eol = raw.find("\r\n", pos);
    if (eol == std::string::npos) return std::nullopt;
    std::size_t size = 0;
    try {
      size = std::stoul(raw.substr(pos, eol - pos), nullptr, 16);
    } catch (...) {
      return std::nullopt;
    }
    if (size == 0) return out;
    if (eol + 2 + size > raw.size()) return std::nullopt;
    out.append(raw, eol + 2, size);
    pos = eol + 2 + size + 2;
  }
}

// Splits the raw answer into status, headers and body; an error text if it is not HTTP.
void parse_response(const std::string& raw, HttpResponse& response) {
  const auto head_end = raw.find("\r\n\r\n");
  if (head_end == std::string::npos || raw.rfind("HTTP/1.", 0) != 0) {
    response.error = "not an HTTP answer: '" + raw.substr(0, 80) + "'";
    return;
  }
  std::size_t line_end = raw.find("\r\n");
  response.status = std::atoi(raw.c_str() + raw.find(' ') + 1);
  while (line_end < head_end) {
    const std::size_t begin = line_end + 2;
    line_end = raw.find("\r\n", begin);
    const std::string line = raw.substr(begin, line_end - begin);
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    response.headers[lower(line.substr(0, colon))] = value;
  }
  response.body = raw.substr(head_end + 4);
  const auto encoding = response.headers.find("transfer-encoding");
  if (encoding != response.headers.end() && lower(encoding->second) == "chunked") {
    auto body = dechunk(response.body);
    if (!body) response.error = "a chunked body that does not end";
    response.body = body.value_or("");
  }
}

// True once the answer is complete by its Content-Length (keep-alive servers may not close).
// A HEAD answer has no body whatever its Content-Length says.
bool complete_by_length(const std::string& raw, bool head_only) {
  const auto head_end = raw.find("\r\n\r\n");
  if (head_end == std::string::npos) return false;
  if (head_only) return true;
  const std::string head = lower(raw.substr(0, head_end));
  const auto at = head.find("\r\ncontent-length:");
  if (at == std::string::npos) return false;
  const std::size_t length = std::strtoul(head.c_str() + at + 17, nullptr, 10);
  return raw.size() >= head_end + 4 + length;
}

}  // namespace

HttpResponse http_request(const std::string& method, const std::string& url,
                          std::chrono::milliseconds timeout) {
  const auto started = Clock::now();
  const auto deadline = started + timeout;
  HttpResponse response;
  const auto fail = [&](std::string why) {
    response.error = std::move(why) + " (" + method + " " + url + ")";
    response.took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
    return response;
  };
  const auto parsed = parse_url(url);
  if (!parsed) return fail("not an http://HOST:PORT/path URL");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(parsed->port));
  if (::inet_pton(AF_INET, parsed->host.c_str(), &address.sin_addr) != 1)
    return fail("not an IPv4 address: " + parsed->host);

  Socket socket{::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)};
  if (socket.fd < 0) return fail(std::string("socket: ") + std::strerror(errno));
  if (::connect(socket.fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 &&
      errno != EINPROGRESS)
    return fail(std::string("connect: ") + std::strerror(errno));
  if (!wait_for(socket.fd, POLLOUT, deadline)) return fail("connect timed out");
  int so_error = 0;
  socklen_t length = sizeof so_error;
  ::getsockopt(socket.fd, SOL_SOCKET, SO_ERROR, &so_error, &length);
  if (so_error != 0) return fail(std::string("connect: ") + std::strerror(so_error));

  const std::string request = method + " " + parsed->target + " HTTP/1.1\r\nHost: " +
                              parsed->host + ":" + std::to_string(parsed->port) +
                              "\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
  for (std::size_t sent = 0; sent < request.size();) {
    if (!wait_for(socket.fd, POLLOUT, deadline)) return fail("sending timed out");
    const ssize_t n = ::send(socket.fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN && errno != EINTR)
      return fail(std::string("send: ") + std::strerror(errno));
    if (n > 0) sent += std::size_t(n);
  }

  std::string raw;
  char buffer[16384];
  while (!complete_by_length(raw, method == "HEAD")) {
    if (!wait_for(socket.fd, POLLIN, deadline)) return fail("no complete answer in time");
    const ssize_t n = ::recv(socket.fd, buffer, sizeof buffer, 0);
    if (n == 0) break;  // the server closed: the answer is whatever came
    if (n < 0 && errno != EAGAIN && errno != EINTR)
      return fail(std::string("recv: ") + std::strerror(errno));
    if (n > 0) raw.append(buffer, std::size_t(n));
  }
  parse_response(raw, response);
  response.took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
  return response;
}

}  // namespace agenthost::testing
