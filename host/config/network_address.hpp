#pragma once
// The network addresses of the host section: HOST:PORT listen addresses (host.admin.listen,
// host.registry.listen and .peers) and plain addresses (host.bind, host.advertise).

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <yaml-cpp/yaml.h>

#include "config/config_model.hpp"
#include "config/yaml_reader.hpp"

namespace agenthost::config {

// What a plain address (no port) is, for the messages of each key that takes one.
enum class AddressKind {
  empty,
  ipv4,       // an IPv4 literal other than 0.0.0.0
  ipv6,       // an IPv6 literal written plainly ("::1"), other than ::
  wildcard,   // 0.0.0.0 or :: (every interface)
  localhost,  // "localhost", any case
  host_name,  // letters, digits, '-' and '.' in labels of up to 63 characters
  bracketed,  // "[::1]": brackets belong in HOST:PORT only
  with_port,  // "127.0.0.1:7000", "[::1]:7000"
  invalid,
};
AddressKind classify_address(std::string_view text);

// "127.0.0.1:9464", "[::1]:9464", "localhost:9464". Port 0 is accepted (an ephemeral port
// for a listener); the host part is not checked further. On error, the text of "what is
// wrong (what to do)" that follows "KEY 'VALUE' ", with `example_port` in the examples.
struct HostPortError {
  std::string message;
};
std::variant<ListenAddress, HostPortError> parse_host_port(std::string_view text, int example_port);

// "127.0.0.1:9464", "[::1]:9464": the form parse_host_port reads.
std::string to_string(const ListenAddress& address);

// parse_host_port on a scalar (substituted), reporting at its position as "`key` 'VALUE' ...".
std::optional<ListenAddress> read_listen_address(const YAML::Node& node, YamlReader& reader,
                                                 std::string_view key, int example_port);

}  // namespace agenthost::config
