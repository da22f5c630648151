#pragma once
// The listening tcp socket of an agent's endpoint: made here and handed to ZeroMQ with
// ZMQ_USE_FD, rather than left to zmq_bind. ZeroMQ's bind first asks the kernel over netlink
// for every interface and address (the address might be an interface name): 0.3 ms per
// agent in this VM, on the path of every start. Made here, it is four system calls, a taken
// port is reported with the kernel's own reason, and IPv6 needs no ZMQ_IPV6.

#include <string>
#include <variant>

#include "control/unique_fd.hpp"

namespace agenthost::messaging {

struct TcpListener {
  control::UniqueFd fd;   // listening, non-blocking, close-on-exec
  std::string address;    // the ZeroMQ spelling, "tcp://127.0.0.1:7100" or "tcp://[::1]:7100"
};

// host: an IP literal (IPv6 with an optional %scope), "localhost" or a wildcard ("0.0.0.0",
// "*", "::" — "::" accepts IPv4 too). port 0 picks a free port. The error names the address
// and says what to do.
std::variant<TcpListener, std::string> open_tcp_listener(const std::string& host, int port);

}  // namespace agenthost::messaging
