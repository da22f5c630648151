#include "http_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

namespace agenthost::bench {

HttpConnection::HttpConnection(const std::string& ip, int port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  ::inet_pton(AF_INET, ip.c_str(), &addr.sin_addr);
  const int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    throw std::runtime_error(fmt::format("connect {}:{}: {}", ip, port, std::strerror(errno)));
}

HttpConnection::~HttpConnection() {
  if (fd_ >= 0) ::close(fd_);
}

HttpConnection::Response HttpConnection::get(const std::string& path,
                                             std::chrono::milliseconds timeout) {
  const std::string request =
      fmt::format("GET {} HTTP/1.1\r\nHost: bench\r\nConnection: keep-alive\r\n\r\n", path);
  if (::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size()))
    throw std::runtime_error("send failed");
  const auto give_up = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto header_end = buffer_.find("\r\n\r\n");
    if (header_end != std::string::npos) {
      const auto length_at = buffer_.find("Content-Length: ");
      if (length_at == std::string::npos || length_at > header_end)
        throw std::runtime_error("an answer without Content-Length");
      const std::size_t length = std::stoul(buffer_.substr(length_at + 16));
      if (buffer_.size() >= header_end + 4 + length) {
        Response response{std::stoi(buffer_.substr(9, 3)), buffer_.substr(header_end + 4, length)};
        buffer_.erase(0, header_end + 4 + length);
        return response;
      }
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        give_up - std::chrono::steady_clock::now());
    pollfd p{fd_, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0)
      throw std::runtime_error(fmt::format("no answer to GET {} within {} ms", path, timeout.count()));
    char chunk[65536];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) throw std::runtime_error("the connection closed");
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
}

}  // namespace agenthost::bench
