#include "messaging/tcp_listener.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include <fmt/format.h>

#include "messaging/tcp_address.hpp"

namespace agenthost::messaging {
namespace {

constexpr int kBacklog = 100;  // ZeroMQ's default ZMQ_BACKLOG

std::string numeric_host(const std::string& host) {
  if (host == "localhost") return "127.0.0.1";
  if (host == "*") return "0.0.0.0";
  return host;
}

std::string why_not(int error) {
  switch (error) {
    case EADDRINUSE:
      return "the port is taken by another program (free it, or give the agent another port or "
             "port: auto)";
    case EADDRNOTAVAIL:
      return "the address is not one of this machine's (fix host.bind)";
    case EACCES:
      return "ports below 1024 need CAP_NET_BIND_SERVICE (use a port of 1024 or above)";
    default:
      return std::strerror(error);
  }
}

// The address the socket is bound to, from the kernel: the port that port 0 picked.
std::string bound_address(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return {};
  char text[INET6_ADDRSTRLEN] = {};
  int port = 0;
  if (ss.ss_family == AF_INET6) {
    const auto& a = reinterpret_cast<const sockaddr_in6&>(ss);
    ::inet_ntop(AF_INET6, &a.sin6_addr, text, sizeof text);
    port = ntohs(a.sin6_port);
  } else {
    const auto& a = reinterpret_cast<const sockaddr_in&>(ss);
    ::inet_ntop(AF_INET, &a.sin_addr, text, sizeof text);
    port = ntohs(a.sin_port);
  }
  return tcp_address(text, std::to_string(port));
}

}  // namespace

std::variant<TcpListener, std::string> open_tcp_listener(const std::string& host, int port) {
  const std::string shown = tcp_address(host, port == 0 ? "*" : std::to_string(port));
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;  // no DNS, no netlink
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (int rc = ::getaddrinfo(numeric_host(host).c_str(), service.c_str(), &hints, &found); rc != 0)
    return fmt::format("cannot bind {}: {} (host.bind must be an IP address)", shown,
                       ::gai_strerror(rc));
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> owned(found, &::freeaddrinfo);

  TcpListener listener;
  listener.fd.reset(::socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!listener.fd) return fmt::format("cannot bind {}: socket: {}", shown, std::strerror(errno));
  const int on = 1, off = 0;
  // As ZeroMQ does: a restarted host rebinds at once although old connections linger.
  ::setsockopt(listener.fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  if (found->ai_family == AF_INET6) {
    // "::" serves IPv4 callers too, whatever net.ipv6.bindv6only says.
    ::setsockopt(listener.fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
  }
  if (::bind(listener.fd.get(), found->ai_addr, found->ai_addrlen) != 0 ||
      ::listen(listener.fd.get(), kBacklog) != 0) {
    return fmt::format("cannot bind {}: {}", shown, why_not(errno));
  }
  listener.address = bound_address(listener.fd.get());
  if (listener.address.empty())
    return fmt::format("cannot bind {}: getsockname: {}", shown, std::strerror(errno));
  return listener;
}

}  // namespace agenthost::messaging
