#include <grp.h>
#include <pwd.h>

#include <fmt/format.h>

#include "config/config_sections.hpp"
#include "config/network_address.hpp"

namespace agenthost::config {

namespace {

const std::vector<std::string> kHostKeys = {"name",    "plugin_dirs", "agents_dir", "admin",    "control",
                                            "startup", "health",      "bind",       "advertise", "registry",
                                            "client",  "workers",     "log",        "error_bus", "state_dir",
                                            "curve",   "sockets_cpu"};
const std::vector<MovedKey> kMovedHostKeys = {
    {"peers", "host.peers has moved to host.registry.peers (move the list there, written as the HOST:PORT "
              "registry addresses of all hosts, e.g. [\"pc1:7400\", \"pc2:7400\"])"}};
const std::vector<std::string> kAdminKeys = {"listen"};
const std::vector<std::string> kControlKeys = {"socket", "mode", "owner", "group"};
const std::vector<std::string> kStartupKeys = {"parallelism", "timeout", "strategy", "stop_timeout"};
const std::vector<std::string> kHealthKeys = {"interval", "timeout"};

constexpr int kAdminExamplePort = 9464;

std::optional<StartStrategy> parse_strategy(const YAML::Node& node, YamlReader& reader) {
  auto text = reader.text(node, "host.startup.strategy");
  if (!text) return std::nullopt;
  if (*text == "eager") return StartStrategy::eager;
  if (*text == "levels") return StartStrategy::levels;
  if (*text == "sequential") return StartStrategy::sequential;
  reader.error(node, fmt::format("unknown host.startup.strategy '{}' (use eager, levels or sequential)", *text));
  return std::nullopt;
}

// host.control.mode (octal, "0660"), owner and group (names on this machine): who may use
// agentctl is who may connect to the socket file.
void read_control_access(const YAML::Node& control, YamlReader& reader, HostSpec& host) {
  if (auto n = control["mode"]) {
    auto text = reader.text(n, "host.control.mode");
    unsigned mode = 0;
    bool octal = text && !text->empty() && text->size() <= 4;
    if (octal)
      for (char c : *text) octal = octal && c >= '0' && c <= '7';
    if (octal) mode = static_cast<unsigned>(std::stoul(*text, nullptr, 8));
    if (text && (!octal || mode > 0777))
      reader.error(n, fmt::format("host.control.mode must be octal permissions such as \"0660\" (quote it), got '{}'",
                                  *text));
    else if (text && (mode & 0600) != 0600)
      reader.error(n, fmt::format("host.control.mode {:04o} leaves the socket's owner unable to use it (give the owner "
                                  "rw: 0600 or more)",
                                  mode));
    else if (text)
      host.control_mode = mode;
  }
  if (auto n = control["owner"]) {
    if (auto name = reader.text(n, "host.control.owner")) {
      if (const passwd* pw = ::getpwnam(name->c_str())) host.control_owner = {*name, static_cast<int>(pw->pw_uid)};
      else reader.error(n, fmt::format("host.control.owner '{}' is not a user on this machine (create it, or fix the "
                                       "name)",
                                       *name));
    }
  }
  if (auto n = control["group"]) {
    if (auto name = reader.text(n, "host.control.group")) {
      if (const group* gr = ::getgrnam(name->c_str())) host.control_group = {*name, static_cast<int>(gr->gr_gid)};
      else reader.error(n, fmt::format("host.control.group '{}' is not a group on this machine (create it, or fix "
                                       "the name)",
                                       *name));
    }
  }
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
  reader.check_keys(node, "host", kHostKeys, kMovedHostKeys);
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
      if (auto n = admin["listen"]) host.admin = read_listen_address(n, reader, "host.admin.listen", kAdminExamplePort);
    }
  }
  if (auto control = node["control"]) {
    if (reader.expect_map(control, "host.control")) {
      reader.check_keys(control, "host.control", kControlKeys);
      if (auto n = control["socket"]) assign(reader.text(n, "host.control.socket"), host.control_socket);
      read_control_access(control, reader, host);
    }
  }
  if (auto n = node["startup"]) read_startup(n, reader, host);
  if (auto n = node["health"]) read_health(n, reader, host);
  read_endpoint_addresses(node, reader, host);
  if (auto n = node["registry"]) read_registry_section(n, reader, host.registry);
  if (auto n = node["client"]) read_client_section(n, reader, host.client);
  if (auto n = node["log"]) read_log_section(n, reader, host.log);
  if (auto n = node["error_bus"]) read_error_bus_section(n, reader, host.error_bus);
  if (auto n = node["state_dir"]) assign(reader.text(n, "host.state_dir"), host.state_dir);
  if (auto n = node["curve"]) read_curve_section(n, reader, host.curve);
  if (auto n = node["workers"]) assign(reader.integer(n, "host.workers", 1, 4096), host.workers);
  if (auto n = node["sockets_cpu"]) host.sockets_cpu = reader.integer(n, "host.sockets_cpu", 0, 1023);
}

}  // namespace agenthost::config
