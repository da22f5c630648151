#include "config/network_address.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>
#include <string>

#include <fmt/format.h>

namespace agenthost::config {

namespace {

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// RFC 1123: labels of 1..63 letters, digits and '-', not starting or ending with '-'; one
// trailing dot (the root) is allowed. The last label is not all digits: "192.168.1" is a
// mistyped address, not a name.
bool is_host_name(std::string_view s) {
  if (!s.empty() && s.back() == '.') s.remove_suffix(1);
  if (s.empty() || s.size() > 253) return false;
  const std::string_view last = s.substr(s.rfind('.') == std::string_view::npos ? 0 : s.rfind('.') + 1);
  if (std::all_of(last.begin(), last.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
    return false;
  std::size_t begin = 0;
  while (begin <= s.size()) {
    std::size_t end = s.find('.', begin);
    if (end == std::string_view::npos) end = s.size();
    const std::string_view label = s.substr(begin, end - begin);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    const bool chars_ok = std::all_of(label.begin(), label.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
    });
    if (!chars_ok) return false;
    begin = end + 1;
  }
  return true;
}

}  // namespace

AddressKind classify_address(std::string_view text) {
  if (text.empty()) return AddressKind::empty;
  if (text.front() == '[') return text.find("]:") != std::string_view::npos ? AddressKind::with_port
                                                                            : AddressKind::bracketed;
  const std::string s(text);
  in_addr v4{};
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) return v4.s_addr == 0 ? AddressKind::wildcard : AddressKind::ipv4;
  in6_addr v6{};
  if (inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
    static const in6_addr any = IN6ADDR_ANY_INIT;
    return std::memcmp(&v6, &any, sizeof v6) == 0 ? AddressKind::wildcard : AddressKind::ipv6;
  }
  if (equals_ignoring_case(text, "localhost")) return AddressKind::localhost;
  // One colon cannot be part of an address: it separates a port.
  if (std::count(text.begin(), text.end(), ':') == 1) return AddressKind::with_port;
  if (is_host_name(text)) return AddressKind::host_name;
  return AddressKind::invalid;
}

std::variant<ListenAddress, HostPortError> parse_host_port(std::string_view s, int example_port) {
  ListenAddress out;
  std::string_view port_text;
  if (!s.empty() && s.front() == '[') {
    const auto close = s.find(']');
    if (close == std::string_view::npos || close + 1 >= s.size() || s[close + 1] != ':')
      return HostPortError{fmt::format("is not [IPV6]:PORT (write e.g. \"[::1]:{}\")", example_port)};
    out.host = std::string(s.substr(1, close - 1));
    port_text = s.substr(close + 2);
  } else {
    const auto colon = s.rfind(':');
    if (colon == std::string_view::npos || s.find(':') != colon)
      return HostPortError{fmt::format("is not HOST:PORT (write e.g. \"127.0.0.1:{0}\" or \"[::1]:{0}\")",
                                       example_port)};
    out.host = std::string(s.substr(0, colon));
    port_text = s.substr(colon + 1);
  }
  const char* end = port_text.data() + port_text.size();
  auto [ptr, ec] = std::from_chars(port_text.data(), end, out.port);
  if (out.host.empty() || port_text.empty() || ec != std::errc() || ptr != end || out.port < 0 ||
      out.port > 65535)
    return HostPortError{
        fmt::format("needs a host and a port 0..65535 (write e.g. \"127.0.0.1:{}\")", example_port)};
  return out;
}

std::string to_string(const ListenAddress& address) {
  if (address.host.find(':') != std::string::npos) return fmt::format("[{}]:{}", address.host, address.port);
  return fmt::format("{}:{}", address.host, address.port);
}

std::optional<ListenAddress> read_listen_address(const YAML::Node& node, YamlReader& reader,
                                                 std::string_view key, int example_port) {
  auto text = reader.text(node, key);
  if (!text) return std::nullopt;
  auto parsed = parse_host_port(*text, example_port);
  if (auto* bad = std::get_if<HostPortError>(&parsed)) {
    reader.error(node, fmt::format("{} '{}' {}", key, *text, bad->message));
    return std::nullopt;
  }
  auto out = std::get<ListenAddress>(std::move(parsed));
  out.where = reader.at(node);
  return out;
}

}  // namespace agenthost::config
