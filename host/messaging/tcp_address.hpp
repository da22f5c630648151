#pragma once
// A ZeroMQ tcp address from a host and a port: "::1" must be written "[::1]".

#include <string>
#include <string_view>

#include <fmt/format.h>

namespace agenthost::messaging {

inline std::string tcp_address(std::string_view host, std::string_view port) {
  if (host.find(':') != std::string_view::npos) return fmt::format("tcp://[{}]:{}", host, port);
  return fmt::format("tcp://{}:{}", host, port);
}

}  // namespace agenthost::messaging
