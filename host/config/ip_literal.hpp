#pragma once
// Finds IP addresses written literally in a scalar: they tie a config to one network, which
// is what the seed roadmap's "hard-coded IPs" item is about.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace agenthost::config {

struct IpLiteral {
  std::string address;
  std::size_t offset = 0;  // byte offset in the scanned text
};

// Every IPv4 or IPv6 address in `text` that is not loopback (127.0.0.0/8, ::1) or
// unspecified (0.0.0.0, ::): those are the same on every machine and are fine to write.
std::vector<IpLiteral> find_ip_literals(std::string_view text);

}  // namespace agenthost::config
