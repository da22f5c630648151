#include <charconv>

#include <fmt/format.h>

#include "config/config_sections.hpp"

namespace agenthost::config {

namespace {

const std::vector<std::string> kHostKeys = {"name", "plugin_dirs", "agents_dir", "admin", "control",
                                            "startup", "health", "peers"};
const std::vector<std::string> kAdminKeys = {"listen"};
const std::vector<std::string> kControlKeys = {"socket"};
const std::vector<std::string> kStartupKeys = {"parallelism", "timeout", "strategy", "stop_timeout"};
const std::vector<std::string> kHealthKeys = {"interval", "timeout"};

// "127.0.0.1:9464", "[::1]:9464", "localhost:9464". Port 0 asks for an ephemeral port (tests).
std::optional<ListenAddress> parse_listen(const YAML::Node& node, YamlReader& reader) {
  auto text = reader.text(node, "host.admin.listen");
  if (!text) return std::nullopt;
  ListenAddress out;
  out.where = reader.at(node);
  std::string_view s = *text;
  std::string_view port_text;
  if (!s.empty() && s.front() == '[') {
    const auto close = s.find(']');
    if (close == std::string_view::npos || close + 1 >= s.size() || s[close + 1] != ':') {
      reader.error(node, fmt::format("host.admin.listen '{}' is not [IPV6]:PORT (write e.g. \"[::1]:9464\")", s));
      return std::nullopt;
    }
    out.host = std::string(s.substr(1, close - 1));
    port_text = s.substr(close + 2);
  } else {
    const auto colon = s.rfind(':');
    if (colon == std::string_view::npos || s.find(':') != colon) {
      reader.error(node, fmt::format("host.admin.listen '{}' is not HOST:PORT (write e.g. \"127.0.0.1:9464\" "
                                     "or \"[::1]:9464\")", s));
      return std::nullopt;
    }
    out.host = std::string(s.substr(0, colon));
    port_text = s.substr(colon + 1);
  }
  const char* end = port_text.data() + port_text.size();
  auto [ptr, ec] = std::from_chars(port_text.data(), end, out.port);
  if (out.host.empty() || port_text.empty() || ec != std::errc() || ptr != end || out.port < 0 ||
      out.port > 65535) {
    reader.error(node, fmt::format("host.admin.listen '{}' needs a host and a port 0..65535 (write e.g. "
                                   "\"127.0.0.1:9464\")", s));
    return std::nullopt;
  }
  return out;
}

std::optional<StartStrategy> parse_strategy(const YAML::Node& node, YamlReader& reader) {
  auto text = reader.text(node, "host.startup.strategy");
  if (!text) return std::nullopt;
  if (*text == "eager") return StartStrategy::eager;
  if (*text == "levels") return StartStrategy::levels;
  if (*text == "sequential") return StartStrategy::sequential;
  reader.error(node, fmt::format("unknown host.startup.strategy '{}' (use eager, levels or sequential)", *text));
  return std::nullopt;
}

template <typename T>
void assign(std::optional<T> value, T& target) {
  if (value) target = std::move(*value);
}

void read_startup(const YAML::Node& node, YamlReader& reader, HostSpec& host) {
  if (!reader.expect_map(node, "host.startup")) return;
  reader.check_keys(node, "host.startup", kStartupKeys);
  if (auto n = node["parallelism"]) assign(reader.integer(n, "host.startup.parallelism", 1, 4096), host.startup_parallelism);
  if (auto n = node["timeout"]) assign(reader.duration(n, "host.startup.timeout"), host.startup_timeout);
  if (auto n = node["strategy"]) assign(parse_strategy(n, reader), host.startup_strategy);
  if (auto n = node["stop_timeout"]) assign(reader.duration(n, "host.startup.stop_timeout"), host.stop_timeout);
}

void read_health(const YAML::Node& node, YamlReader& reader, HostSpec& host) {
  if (!reader.expect_map(node, "host.health")) return;
  reader.check_keys(node, "host.health", kHealthKeys);
  if (auto n = node["interval"]) assign(reader.duration(n, "host.health.interval"), host.health_interval);
  if (auto n = node["timeout"]) assign(reader.duration(n, "host.health.timeout"), host.health_timeout);
}

}  // namespace

void read_host_section(const YAML::Node& node, YamlReader& reader, HostSpec& host,
                       SourceLocation& agents_dir_where) {
  if (!reader.expect_map(node, "host")) return;
  reader.check_keys(node, "host", kHostKeys);
  if (auto n = node["name"]) assign(reader.text(n, "host.name"), host.name);
  if (auto n = node["plugin_dirs"]) {
    if (auto dirs = reader.text_list(n, "host.plugin_dirs")) {
      host.plugin_dirs.clear();
      for (auto& dir : *dirs) host.plugin_dirs.push_back(dir.text);
    }
  }
  if (auto n = node["agents_dir"]) {
    assign(reader.text(n, "host.agents_dir"), host.agents_dir);
    agents_dir_where = reader.at(n);
  }
  if (auto admin = node["admin"]) {
    if (reader.expect_map(admin, "host.admin")) {
      reader.check_keys(admin, "host.admin", kAdminKeys);
      if (auto n = admin["listen"]) host.admin = parse_listen(n, reader);
    }
  }
  if (auto control = node["control"]) {
    if (reader.expect_map(control, "host.control")) {
      reader.check_keys(control, "host.control", kControlKeys);
      if (auto n = control["socket"]) assign(reader.text(n, "host.control.socket"), host.control_socket);
    }
  }
  if (auto n = node["startup"]) read_startup(n, reader, host);
  if (auto n = node["health"]) read_health(n, reader, host);
  if (auto n = node["peers"]) {
    if (auto peers = reader.text_list(n, "host.peers")) {
      host.peers.clear();
      for (auto& peer : *peers) host.peers.push_back(peer.text);
    }
  }
}

}  // namespace agenthost::config
