// host.registry: the backend that publishes and finds agents' endpoints, this host's registry
// listener, the other hosts (peers) or the etcd cluster, and how often entries are announced
// and how long they live.

#include <algorithm>

#include <fmt/format.h>

#include "config/config_sections.hpp"
#include "config/duration.hpp"
#include "config/network_address.hpp"
#include "config/suggest.hpp"

namespace agenthost::config {

namespace {

using Backend = RegistrySpec::Backend;

const std::vector<std::string> kRegistryKeys = {"backend", "listen", "peers", "announce_interval", "ttl", "etcd"};
const std::vector<std::string> kEtcdKeys = {"endpoints", "prefix"};
constexpr int kExamplePort = 7400;
constexpr int kEtcdExamplePort = 2379;

std::optional<Backend> parse_backend(const YAML::Node& node, YamlReader& reader) {
  auto text = reader.text(node, "host.registry.backend");
  if (!text) return std::nullopt;
  const auto& names = registry_backend_names();
  const auto it = std::find(names.begin(), names.end(), *text);
  if (it != names.end()) return static_cast<Backend>(it - names.begin());
  const std::string hint = did_you_mean(*text, names);
  reader.error(node, fmt::format("unknown host.registry.backend '{}' ({})", *text,
                                 hint.empty() ? "use " + alternatives(names) : hint));
  return std::nullopt;
}

// The host part of HOST:PORT: "[::1]:7400" has host "::1", so brackets or a colon left in it
// are mistakes, as is anything that is neither an IP address nor a host name.
bool names_a_host(AddressKind kind) {
  return kind != AddressKind::empty && kind != AddressKind::invalid && kind != AddressKind::with_port &&
         kind != AddressKind::bracketed;
}

std::optional<ListenAddress> read_listen(const YAML::Node& node, YamlReader& reader) {
  auto listen = read_listen_address(node, reader, "host.registry.listen", kExamplePort);
  if (!listen || names_a_host(classify_address(listen->host))) return listen;
  reader.error(node, fmt::format("host.registry.listen '{}' does not start with an IP address or host name "
                                 "(write e.g. \"0.0.0.0:{}\")",
                                 to_string(*listen), kExamplePort));
  return std::nullopt;
}

// A list of addresses to connect to (peers, etcd members) and what its messages say.
struct AddressList {
  std::string_view key;          // "host.registry.peers"
  int example_port;
  std::string_view list_hint;    // how to write the list
  std::string_view port_hint;    // which port to write instead of 0
  std::string_view target;       // "address or host name other hosts reach that host at"
  std::string_view entry_hint;   // an entry written well
};

// Every entry is checked, so that one run reports all the bad ones.
void read_address_list(const YAML::Node& node, YamlReader& reader, const AddressList& list,
                       std::vector<ListenAddress>& out) {
  if (!node.IsSequence()) {
    reader.error(node, fmt::format("{} must be a list, got {} (write {})", list.key, describe_type(node),
                                   list.list_hint));
    return;
  }
  const std::string entry_key = fmt::format("{} entry", list.key);
  for (const auto& item : node) {
    auto address = read_listen_address(item, reader, entry_key, list.example_port);
    if (!address) continue;
    const std::string written = to_string(*address);
    const auto kind = classify_address(address->host);
    const auto same = std::find_if(out.begin(), out.end(), [&](const ListenAddress& a) {
      return a.host == address->host && a.port == address->port;
    });
    if (address->port == 0) {
      reader.error(item, fmt::format("{} '{}' has port 0 (write {})", entry_key, written, list.port_hint));
    } else if (kind == AddressKind::wildcard) {
      reader.error(item, fmt::format("{} '{}' has a wildcard address, which cannot be connected to (write the "
                                     "{})",
                                     entry_key, written, list.target));
    } else if (!names_a_host(kind)) {
      reader.error(item, fmt::format("{} '{}' does not start with an IP address or host name (write {})",
                                     entry_key, written, list.entry_hint));
    } else if (same != out.end()) {
      reader.error(item, fmt::format("{} lists '{}' twice (first at {}; keep one)", list.key, written,
                                     same->where.to_string()));
    } else {
      out.push_back(std::move(*address));
    }
  }
}

void read_peers(const YAML::Node& node, YamlReader& reader, RegistrySpec& registry) {
  static const std::string list_hint =
      fmt::format("[\"pc1:{0}\", \"pc2:{0}\"] or one '- HOST:PORT' per line", kExamplePort);
  static const std::string entry_hint = fmt::format("e.g. \"pc2:{0}\" or \"[fe80::2]:{0}\"", kExamplePort);
  read_address_list(node, reader,
                    {"host.registry.peers", kExamplePort, list_hint, "the port of that host's host.registry.listen",
                     "address or host name other hosts reach that host at", entry_hint},
                    registry.peers);
}

// host.registry.etcd.endpoints: the client addresses of the etcd members, tried in turn.
void read_etcd_endpoints(const YAML::Node& node, YamlReader& reader, RegistrySpec& registry) {
  static const std::string list_hint = fmt::format("[\"10.0.0.1:{0}\", \"10.0.0.2:{0}\"]", kEtcdExamplePort);
  static const std::string port_hint =
      fmt::format("the port of that member's client URL, usually {}", kEtcdExamplePort);
  static const std::string entry_hint =
      fmt::format("HOST:PORT without http://, e.g. \"10.0.0.1:{}\"", kEtcdExamplePort);
  read_address_list(node, reader,
                    {"host.registry.etcd.endpoints", kEtcdExamplePort, list_hint, port_hint,
                     "address this host reaches that etcd member at", entry_hint},
                    registry.etcd_endpoints);
}

void read_etcd(const YAML::Node& node, YamlReader& reader, RegistrySpec& registry) {
  if (!reader.expect_map(node, "host.registry.etcd")) return;
  reader.check_keys(node, "host.registry.etcd", kEtcdKeys);
  if (const YAML::Node endpoints = node["endpoints"]) read_etcd_endpoints(endpoints, reader, registry);
  const YAML::Node prefix = node["prefix"];
  if (!prefix) return;
  auto text = reader.text(prefix, "host.registry.etcd.prefix");
  if (!text) return;
  while (text->size() > 1 && text->back() == '/') text->pop_back();
  if (!text->starts_with("/") || *text == "/") {
    reader.error(prefix, fmt::format("host.registry.etcd.prefix '{}' must be a key path starting with '/' "
                                     "(write e.g. \"/agenthost/lab\"; every host of one cluster uses the same)",
                                     *text));
    return;
  }
  registry.etcd_prefix = *text;
}

// An endpoint must be announced again before its entry expires.
void check_ttl(const RegistrySpec& registry, const YAML::Node& interval, const YAML::Node& ttl,
               YamlReader& reader) {
  if (registry.ttl > registry.announce_interval) return;
  if (ttl) {
    reader.error(ttl, fmt::format("host.registry.ttl {} must be greater than host.registry.announce_interval {} "
                                  "(entries would expire between two announcements; make ttl a few intervals)",
                                  format_duration(registry.ttl), format_duration(registry.announce_interval)));
  } else {
    reader.error(interval, fmt::format("host.registry.announce_interval {} must be less than host.registry.ttl, "
                                       "{} by default (entries would expire between two announcements; shorten "
                                       "the interval, or set ttl to a few intervals)",
                                       format_duration(registry.announce_interval), format_duration(registry.ttl)));
  }
}

// Keys the chosen backend needs or does not use.
void check_backend_keys(const RegistrySpec& registry, const YAML::Node& backend, const YAML::Node& listen,
                        const YAML::Node& peers, const YAML::Node& etcd, YamlReader& reader) {
  if (registry.backend != Backend::etcd && etcd) {
    reader.diagnostics().warning(reader.at(etcd), fmt::format("host.registry.etcd is only used by backend etcd, "
                                                              "not {} (remove it, or write backend: etcd)",
                                                              to_string(registry.backend)));
  }
  if (registry.backend == Backend::etcd && registry.etcd_endpoints.empty() &&
      !(etcd && etcd.IsMap() && etcd["endpoints"])) {  // written but wrong: reported already
    reader.error(backend, fmt::format("host.registry.backend etcd needs host.registry.etcd.endpoints (add "
                                      "etcd: {{ endpoints: [\"HOST:{}\"] }}, the client addresses of the "
                                      "etcd members)",
                                      kEtcdExamplePort));
  }
  if (registry.backend == Backend::peers) {
    if (listen) return;  // read (or reported) already
    const std::string needs = fmt::format(
        "needs host.registry.listen (add listen: \"HOST:PORT\", where this host receives the other hosts' "
        "announcements, e.g. \"0.0.0.0:{}\")",
        kExamplePort);
    if (backend) reader.error(backend, "host.registry.backend peers " + needs);
    else reader.error(peers, "host.registry.peers " + needs);
    return;
  }
  const std::string unused = fmt::format("is only used by backend peers, not {} (remove it, or write "
                                         "backend: peers)",
                                         to_string(registry.backend));
  if (listen) reader.diagnostics().warning(reader.at(listen), "host.registry.listen " + unused);
  if (peers) reader.diagnostics().warning(reader.at(peers), "host.registry.peers " + unused);
}

}  // namespace

const std::vector<std::string>& registry_backend_names() {
#define AGENTHOST_BACKEND_NAME(name) #name,
  static const std::vector<std::string> names = {AGENTHOST_REGISTRY_BACKENDS(AGENTHOST_BACKEND_NAME)};
#undef AGENTHOST_BACKEND_NAME
  return names;
}

const std::string& to_string(RegistrySpec::Backend backend) {
  return registry_backend_names().at(static_cast<std::size_t>(backend));
}

bool learns_other_hosts(const RegistrySpec& registry) {
  switch (registry.backend) {
    case Backend::local: return false;
    case Backend::peers: return registry.listen && !registry.peers.empty();
    case Backend::etcd: return !registry.etcd_endpoints.empty();
  }
  return false;
}

void read_registry_section(const YAML::Node& node, YamlReader& reader, RegistrySpec& registry) {
  if (!reader.expect_map(node, "host.registry")) return;
  reader.check_keys(node, "host.registry", kRegistryKeys);
  const YAML::Node backend = node["backend"];
  const YAML::Node listen = node["listen"];
  const YAML::Node peers = node["peers"];
  const YAML::Node interval = node["announce_interval"];
  const YAML::Node ttl = node["ttl"];
  const YAML::Node etcd = node["etcd"];

  bool backend_ok = true;
  if (backend) backend_ok = assign(parse_backend(backend, reader), registry.backend);
  else if (peers) registry.backend = Backend::peers;  // writing the peers is choosing them
  if (listen) registry.listen = read_listen(listen, reader);
  if (peers) read_peers(peers, reader, registry);
  if (etcd) read_etcd(etcd, reader, registry);

  bool times_ok = true;
  if (interval)
    times_ok &= assign(reader.positive_duration(interval, "host.registry.announce_interval"),
                       registry.announce_interval);
  if (ttl) times_ok &= assign(reader.positive_duration(ttl, "host.registry.ttl"), registry.ttl);
  if (times_ok && (interval || ttl)) check_ttl(registry, interval, ttl, reader);

  if (backend_ok) check_backend_keys(registry, backend, listen, peers, etcd, reader);
}

}  // namespace agenthost::config
