// host.bind and host.advertise: where this host's agent endpoints listen, and the address
// other hosts are told to connect to.

#include <fmt/format.h>

#include "config/config_sections.hpp"
#include "config/network_address.hpp"

namespace agenthost::config {

namespace {

constexpr const char* kBracketsHint = "has brackets (write IPv6 addresses plainly here, e.g. ::1)";
constexpr const char* kPortHint = "has a port (write the address only; each agent sets its own port)";

void read_bind(const YAML::Node& node, YamlReader& reader, HostSpec& host) {
  host.bind_where = reader.at(node);
  auto text = reader.text(node, "host.bind");
  if (!text) return;
  std::string problem;
  switch (classify_address(*text)) {
    case AddressKind::ipv4:
    case AddressKind::ipv6:
    case AddressKind::wildcard:
    case AddressKind::localhost:
      host.bind = *text;
      return;
    case AddressKind::empty:
      reader.error(node, "host.bind is empty (write an address of this machine, localhost, or 0.0.0.0 or :: "
                         "for every interface)");
      return;
    case AddressKind::bracketed: problem = kBracketsHint; break;
    case AddressKind::with_port: problem = kPortHint; break;
    case AddressKind::host_name:
      problem = "is not an IP address (write an address of this machine, localhost, or 0.0.0.0 or :: for every "
                "interface; a host name belongs in host.advertise)";
      break;
    case AddressKind::invalid:
      problem = "is not an IP address (write an address of this machine, localhost, or 0.0.0.0 or :: for every "
                "interface)";
      break;
  }
  reader.error(node, fmt::format("host.bind '{}' {}", *text, problem));
}

void read_advertise(const YAML::Node& node, YamlReader& reader, HostSpec& host) {
  auto text = reader.text(node, "host.advertise");
  if (!text) return;
  std::string problem;
  switch (classify_address(*text)) {
    case AddressKind::ipv4:
    case AddressKind::ipv6:
    case AddressKind::localhost:
    case AddressKind::host_name:
      host.advertise = *text;
      return;
    case AddressKind::empty:
      reader.error(node, "host.advertise is empty (write the address or host name other hosts reach this "
                         "machine at, or leave it out to use host.bind)");
      return;
    case AddressKind::bracketed: problem = kBracketsHint; break;
    case AddressKind::with_port: problem = kPortHint; break;
    case AddressKind::wildcard:
      problem = "is a wildcard address, which other hosts cannot connect to (write the address or host name "
                "they reach this machine at)";
      break;
    case AddressKind::invalid:
      problem = "is not an IP address or host name (write the address or host name other hosts reach this "
                "machine at)";
      break;
  }
  reader.error(node, fmt::format("host.advertise '{}' {}", *text, problem));
}

}  // namespace

void read_endpoint_addresses(const YAML::Node& host_node, YamlReader& reader, HostSpec& host) {
  const YAML::Node bind = host_node["bind"];
  const YAML::Node advertise = host_node["advertise"];
  if (bind) read_bind(bind, reader, host);
  if (advertise) {
    read_advertise(advertise, reader, host);
  } else if (bind && classify_address(host.bind) == AddressKind::wildcard) {
    reader.error(bind, fmt::format("host.bind '{}' means every interface, which other hosts cannot connect to "
                                   "(set host.advertise to the address or host name they reach this machine "
                                   "at, e.g. advertise: ${{HOST_IP}})",
                                   host.bind));
  }
}

}  // namespace agenthost::config
