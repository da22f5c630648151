// host.error_bus: the journal size, and forwarding every event to one central host.

#include <fmt/format.h>

#include "config/config_sections.hpp"
#include "config/network_address.hpp"

namespace agenthost::config {

namespace {

const std::vector<std::string> kErrorBusKeys = {"keep", "listen", "forward_to", "buffer"};
constexpr int kExamplePort = 7410;

std::optional<ListenAddress> read_forward_to(const YAML::Node& node, YamlReader& reader) {
  auto address = read_listen_address(node, reader, "host.error_bus.forward_to", kExamplePort);
  if (!address) return std::nullopt;
  const auto kind = classify_address(address->host);
  if (address->port == 0) {
    reader.error(node, fmt::format("host.error_bus.forward_to '{}' has port 0 (write the port of the central "
                                   "host's host.error_bus.listen, e.g. \"main-pc:{}\")",
                                   to_string(*address), kExamplePort));
  } else if (kind == AddressKind::wildcard) {
    reader.error(node, fmt::format("host.error_bus.forward_to '{}' has a wildcard address, which cannot be "
                                   "connected to (write the central host's address or name)",
                                   to_string(*address)));
  } else {
    return address;
  }
  return std::nullopt;
}

}  // namespace

void read_error_bus_section(const YAML::Node& node, YamlReader& reader, ErrorBusSpec& error_bus) {
  if (!reader.expect_map(node, "host.error_bus")) return;
  reader.check_keys(node, "host.error_bus", kErrorBusKeys);
  if (auto n = node["keep"]) assign(reader.integer(n, "host.error_bus.keep", 1, 1'000'000), error_bus.keep);
  if (auto n = node["buffer"]) assign(reader.integer(n, "host.error_bus.buffer", 1, 10'000'000), error_bus.buffer);
  if (auto n = node["listen"]) {
    error_bus.listen = read_listen_address(n, reader, "host.error_bus.listen", kExamplePort);
  }
  if (auto n = node["forward_to"]) error_bus.forward_to = read_forward_to(n, reader);
}

bool forwards_to_itself(const HostSpec& host) {
  const auto& bus = host.error_bus;
  if (!bus.listen || !bus.forward_to || bus.listen->port != bus.forward_to->port) return false;
  return bus.forward_to->host == bus.listen->host || bus.forward_to->host == host.advertise;
}

}  // namespace agenthost::config
