// The keys the messaging layer reads: host.bind, host.advertise, host.registry, host.client,
// host.workers and an agent's concurrency; and the address parsing behind them.

#include <gtest/gtest.h>

#include "config/config_checker.hpp"
#include "config/config_loader.hpp"
#include "config/network_address.hpp"
#include "test_support.hpp"

namespace agenthost::config {
namespace {

using namespace std::chrono_literals;
using testing::fake_env;
using testing::formatted;
using Backend = RegistrySpec::Backend;

LoadResult load(const std::string& text, std::map<std::string, std::string> env = {}) {
  return load_config_text(text, "c.yaml", fake_env(std::move(env)));
}

// The loader's diagnostics, one per line.
std::string problems(const std::string& text) { return formatted(load(text).diagnostics); }

TEST(MessagingConfigTest, Defaults) {
  auto result = load("agents:\n  - { name: A, plugin: p }\n");
  ASSERT_TRUE(result.ok()) << formatted(result.diagnostics);
  const auto& host = result.config.host;
  EXPECT_EQ(host.bind, "127.0.0.1");
  EXPECT_EQ(host.bind_where.line, 0);
  EXPECT_EQ(host.advertise, "127.0.0.1");
  EXPECT_EQ(host.registry.backend, Backend::local);
  EXPECT_FALSE(host.registry.listen);
  EXPECT_TRUE(host.registry.peers.empty());
  EXPECT_EQ(host.registry.announce_interval, 200ms);
  EXPECT_EQ(host.registry.ttl, 1s);
  EXPECT_EQ(host.client.retry_backoff, 10ms);
  EXPECT_EQ(host.client.retry_backoff_max, 200ms);
  EXPECT_EQ(host.client.breaker_failures, 5);
  EXPECT_EQ(host.client.breaker_open_for, 1s);
  EXPECT_EQ(host.client.connect_timeout, 500ms);
  EXPECT_EQ(host.workers, 0);
  EXPECT_FALSE(host.sockets_cpu);
  EXPECT_EQ(result.config.agents.at(0).concurrency, 1);
}

TEST(MessagingConfigTest, DefaultsWithoutAHostSection) {
  auto result = load("agents: []\n");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.config.host.advertise, "127.0.0.1");
}

TEST(MessagingConfigTest, ReadsEveryKeyWithSubstitution) {
  const char* text = R"(host:
  bind: ${BIND:-0.0.0.0}
  advertise: ${HOST_IP}
  registry:
    backend: peers
    listen: "0.0.0.0:${REGISTRY_PORT:-7400}"
    peers: ["pc1:7400", "${PC2:-pc2}:7400", "[::1]:7401"]
    announce_interval: ${ANNOUNCE:-100ms}
    ttl: 2s
  client: { retry_backoff: 5ms, retry_backoff_max: 1s, breaker_failures: "${FAILURES:-3}", breaker_open_for: 500ms }
  workers: ${WORKERS:-6}
agents:
  - { name: A, plugin: p, concurrency: "${A_CONCURRENCY:-4}" }
)";
  auto result = load(text, {{"HOST_IP", "pc1.lan"}, {"REGISTRY_PORT", "7500"}, {"A_CONCURRENCY", "8"}});
  ASSERT_TRUE(result.ok()) << formatted(result.diagnostics);
  const auto& host = result.config.host;
  EXPECT_EQ(host.bind, "0.0.0.0");
  EXPECT_EQ(host.bind_where.to_string(), "c.yaml:2:9");
  EXPECT_EQ(host.advertise, "pc1.lan");
  const auto& registry = host.registry;
  EXPECT_EQ(registry.backend, Backend::peers);
  ASSERT_TRUE(registry.listen);
  EXPECT_EQ(registry.listen->host, "0.0.0.0");
  EXPECT_EQ(registry.listen->port, 7500);
  EXPECT_EQ(registry.listen->where.to_string(), "c.yaml:6:13");
  ASSERT_EQ(registry.peers.size(), 3u);
  EXPECT_EQ(registry.peers[0].host, "pc1");
  EXPECT_EQ(registry.peers[1].host, "pc2");
  EXPECT_EQ(registry.peers[1].port, 7400);
  EXPECT_EQ(registry.peers[1].where.to_string(), "c.yaml:7:25");
  EXPECT_EQ(registry.peers[2].host, "::1");
  EXPECT_EQ(registry.peers[2].port, 7401);
  EXPECT_EQ(registry.announce_interval, 100ms);
  EXPECT_EQ(registry.ttl, 2s);
  EXPECT_EQ(host.client.retry_backoff, 5ms);
  EXPECT_EQ(host.client.retry_backoff_max, 1s);
  EXPECT_EQ(host.client.breaker_failures, 3);
  EXPECT_EQ(host.client.breaker_open_for, 500ms);
  EXPECT_EQ(host.workers, 6);
  EXPECT_EQ(result.config.agents.at(0).concurrency, 8);
}

TEST(MessagingConfigTest, AdvertiseDefaultsToBind) {
  auto result = load("host: { bind: \"::1\" }\n");
  ASSERT_TRUE(result.ok()) << formatted(result.diagnostics);
  EXPECT_EQ(result.config.host.bind, "::1");
  EXPECT_EQ(result.config.host.advertise, "::1");
  EXPECT_EQ(load("host: { bind: localhost }\n").config.host.advertise, "localhost");
}

TEST(MessagingConfigTest, WildcardBindNeedsAdvertise) {
  EXPECT_EQ(problems("host: { bind: 0.0.0.0 }\n"),
            "c.yaml:1:15: error: host.bind '0.0.0.0' means every interface, which other hosts cannot connect to "
            "(set host.advertise to the address or host name they reach this machine at, e.g. advertise: "
            "${HOST_IP})\n");
  EXPECT_EQ(problems("host:\n  bind: \"::\"\n").rfind("c.yaml:2:9: error: host.bind '::' means every interface", 0),
            0u);
  auto ok = load("host: { bind: \"::\", advertise: \"2001:db8::5\" }\n");
  EXPECT_TRUE(ok.ok()) << formatted(ok.diagnostics);
  EXPECT_EQ(ok.config.host.advertise, "2001:db8::5");
}

TEST(MessagingConfigTest, BindMustBeAnAddressOfThisMachine) {
  EXPECT_EQ(problems("host:\n  bind: pc1.lan\n"),
            "c.yaml:2:9: error: host.bind 'pc1.lan' is not an IP address (write an address of this machine, "
            "localhost, or 0.0.0.0 or :: for every interface; a host name belongs in host.advertise)\n");
  EXPECT_EQ(problems("host: { bind: \"[::1]\" }\n"),
            "c.yaml:1:15: error: host.bind '[::1]' has brackets (write IPv6 addresses plainly here, e.g. ::1)\n");
  EXPECT_EQ(problems("host: { bind: \"127.0.0.1:7000\" }\n"),
            "c.yaml:1:15: error: host.bind '127.0.0.1:7000' has a port (write the address only; each agent sets "
            "its own port)\n");
  EXPECT_EQ(problems("host: { bind: \"300.1.1.1\" }\n"),
            "c.yaml:1:15: error: host.bind '300.1.1.1' is not an IP address (write an address of this machine, "
            "localhost, or 0.0.0.0 or :: for every interface)\n");
  EXPECT_EQ(formatted(load("host: { bind: \"${E}\" }\n", {{"E", ""}}).diagnostics),
            "c.yaml:1:15: error: host.bind is empty (write an address of this machine, localhost, or 0.0.0.0 or "
            ":: for every interface)\n");
  for (const char* good : {"10.1.2.3", "fe80::1", "LOCALHOST", "0:0:0:0:0:0:0:0"})
    EXPECT_TRUE(load(std::string("host: { bind: \"") + good + "\", advertise: pc1 }\n").ok()) << good;
}

TEST(MessagingConfigTest, AdvertiseIsAReachableAddress) {
  EXPECT_EQ(problems("host: { advertise: 0.0.0.0 }\n"),
            "c.yaml:1:20: error: host.advertise '0.0.0.0' is a wildcard address, which other hosts cannot connect "
            "to (write the address or host name they reach this machine at)\n");
  EXPECT_EQ(problems("host: { advertise: \"pc 1\" }\n"),
            "c.yaml:1:20: error: host.advertise 'pc 1' is not an IP address or host name (write the address or "
            "host name other hosts reach this machine at)\n");
  EXPECT_EQ(problems("host: { advertise: \"pc1:7000\" }\n"),
            "c.yaml:1:20: error: host.advertise 'pc1:7000' has a port (write the address only; each agent sets "
            "its own port)\n");
  EXPECT_EQ(problems("host: { advertise: \"[fe80::1]\" }\n"),
            "c.yaml:1:20: error: host.advertise '[fe80::1]' has brackets (write IPv6 addresses plainly here, e.g. "
            "::1)\n");
  EXPECT_EQ(load("host: { advertise: pc1.example.org }\n").config.host.advertise, "pc1.example.org");
}

TEST(MessagingConfigTest, PeersAloneChooseThePeersBackend) {
  auto result = load("host:\n  registry: { listen: \"0.0.0.0:7400\", peers: [\"pc1:7400\"] }\n");
  ASSERT_TRUE(result.ok()) << formatted(result.diagnostics);
  EXPECT_EQ(result.config.host.registry.backend, Backend::peers);
  auto local = load("host:\n  registry: { backend: local }\n");
  ASSERT_TRUE(local.ok()) << formatted(local.diagnostics);
  EXPECT_EQ(local.config.host.registry.backend, Backend::local);
}

TEST(MessagingConfigTest, BackendNamesComeFromOneList) {
  EXPECT_EQ(registry_backend_names(), (std::vector<std::string>{"local", "peers", "etcd"}));
  EXPECT_EQ(to_string(Backend::local), "local");
  EXPECT_EQ(to_string(Backend::peers), "peers");
  EXPECT_EQ(to_string(Backend::etcd), "etcd");
}

TEST(MessagingConfigTest, UnknownBackend) {
  EXPECT_EQ(problems("host:\n  registry: { backend: peer, listen: \"pc1:7400\" }\n"),
            "c.yaml:2:24: error: unknown host.registry.backend 'peer' (did you mean 'peers'?)\n");
  EXPECT_EQ(problems("host:\n  registry: { backend: zookeeper }\n"),
            "c.yaml:2:24: error: unknown host.registry.backend 'zookeeper' (use local, peers or etcd)\n");
}

TEST(MessagingConfigTest, PeersBackendNeedsListen) {
  EXPECT_EQ(problems("host:\n  registry: { backend: peers }\n"),
            "c.yaml:2:24: error: host.registry.backend peers needs host.registry.listen (add listen: "
            "\"HOST:PORT\", where this host receives the other hosts' announcements, e.g. \"0.0.0.0:7400\")\n");
  EXPECT_EQ(problems("host:\n  registry:\n    peers: [\"pc1:7400\", \"pc2:7400\"]\n"),
            "c.yaml:3:12: error: host.registry.peers needs host.registry.listen (add listen: \"HOST:PORT\", where "
            "this host receives the other hosts' announcements, e.g. \"0.0.0.0:7400\")\n");
  // A listen that is wrong is reported once, as wrong.
  EXPECT_EQ(problems("host:\n  registry: { backend: peers, listen: \"7400\" }\n"),
            "c.yaml:2:39: error: host.registry.listen '7400' is not HOST:PORT (write e.g. \"127.0.0.1:7400\" or "
            "\"[::1]:7400\")\n");
  EXPECT_EQ(problems("host:\n  registry: { backend: peers, listen: \"pc 1:7400\" }\n"),
            "c.yaml:2:39: error: host.registry.listen 'pc 1:7400' does not start with an IP address or host name "
            "(write e.g. \"0.0.0.0:7400\")\n");
}

TEST(MessagingConfigTest, ListenAndPeersUnusedByTheLocalBackendAreWarnings) {
  auto result = load("host:\n  registry:\n    backend: local\n    listen: \"pc1:7400\"\n    peers: [\"pc1:7400\"]\n");
  EXPECT_TRUE(result.ok());
  EXPECT_EQ(formatted(result.diagnostics),
            "c.yaml:4:13: warning: host.registry.listen is only used by backend peers, not local (remove it, or "
            "write backend: peers)\n"
            "c.yaml:5:12: warning: host.registry.peers is only used by backend peers, not local (remove it, or "
            "write backend: peers)\n");
}

TEST(MessagingConfigTest, EveryBadPeerIsReported) {
  const char* text = R"(host:
  registry:
    listen: "0.0.0.0:7400"
    peers:
      - pc1:7400
      - pc2
      - "tcp://pc3:7400"
      - "pc4:0"
      - "0.0.0.0:7400"
      - "pc 5:7400"
      - { host: pc6 }
      - "pc1:7400"
      - "[::1]:7400"
)";
  EXPECT_EQ(problems(text),
            "c.yaml:6:9: error: host.registry.peers entry 'pc2' is not HOST:PORT (write e.g. \"127.0.0.1:7400\" or "
            "\"[::1]:7400\")\n"
            "c.yaml:7:9: error: host.registry.peers entry 'tcp://pc3:7400' is not HOST:PORT (write e.g. "
            "\"127.0.0.1:7400\" or \"[::1]:7400\")\n"
            "c.yaml:8:9: error: host.registry.peers entry 'pc4:0' has port 0 (write the port of that host's "
            "host.registry.listen)\n"
            "c.yaml:9:9: error: host.registry.peers entry '0.0.0.0:7400' has a wildcard address, which cannot be "
            "connected to (write the address or host name other hosts reach that host at)\n"
            "c.yaml:10:9: error: host.registry.peers entry 'pc 5:7400' does not start with an IP address or host "
            "name (write e.g. \"pc2:7400\" or \"[fe80::2]:7400\")\n"
            "c.yaml:11:9: error: host.registry.peers entry must be a single value, got a map\n"
            "c.yaml:12:9: error: host.registry.peers lists 'pc1:7400' twice (first at c.yaml:5:9; keep one)\n");
  EXPECT_EQ(problems("host:\n  registry: { listen: \"pc1:7400\", peers: pc1:7400 }\n"),
            "c.yaml:2:42: error: host.registry.peers must be a list, got a scalar (write [\"pc1:7400\", "
            "\"pc2:7400\"] or one '- HOST:PORT' per line)\n");
}

TEST(MessagingConfigTest, AnnounceIntervalAndTtl) {
  EXPECT_EQ(problems("host:\n  registry: { announce_interval: 0ms, ttl: 5 }\n"),
            "c.yaml:2:34: error: host.registry.announce_interval must be greater than 0, got 0 ms\n"
            "c.yaml:2:44: error: host.registry.ttl: duration '5' has no unit (write 5s or 5ms)\n");
  EXPECT_EQ(problems("host:\n  registry: { announce_interval: 1s, ttl: 500ms }\n"),
            "c.yaml:2:43: error: host.registry.ttl 500 ms must be greater than host.registry.announce_interval "
            "1.0 s (entries would expire between two announcements; make ttl a few intervals)\n");
  EXPECT_EQ(problems("host:\n  registry: { announce_interval: 1s }\n"),
            "c.yaml:2:34: error: host.registry.announce_interval 1.0 s must be less than host.registry.ttl, 1.0 s "
            "by default (entries would expire between two announcements; shorten the interval, or set ttl to a "
            "few intervals)\n");
  EXPECT_EQ(problems("host:\n  registry: { ttl: 200ms }\n"),
            "c.yaml:2:20: error: host.registry.ttl 200 ms must be greater than host.registry.announce_interval "
            "200 ms (entries would expire between two announcements; make ttl a few intervals)\n");
  EXPECT_TRUE(load("host:\n  registry: { announce_interval: 1s, ttl: 3s }\n").ok());
}

TEST(MessagingConfigTest, ClientSettings) {
  EXPECT_EQ(problems("host:\n  client: { retry_backoff: 0s, breaker_failures: 0, breaker_open_for: soon }\n"),
            "c.yaml:2:28: error: host.client.retry_backoff must be greater than 0, got 0 ms\n"
            "c.yaml:2:50: error: host.client.breaker_failures must be between 1 and 1000000, got 0\n"
            "c.yaml:2:71: error: host.client.breaker_open_for: 'soon' is not a duration (write e.g. 500ms, 30s, "
            "2m or 1h)\n");
  EXPECT_EQ(problems("host:\n  client: { retry_backoff: 50ms, retry_backoff_max: 20ms }\n"),
            "c.yaml:2:53: error: host.client.retry_backoff_max 20 ms must not be less than host.client.retry_backoff "
            "50 ms (the back-off starts at retry_backoff and doubles up to retry_backoff_max)\n");
  EXPECT_EQ(problems("host:\n  client: { retry_backoff: 1s }\n"),
            "c.yaml:2:28: error: host.client.retry_backoff 1.0 s must not be greater than "
            "host.client.retry_backoff_max, 200 ms by default (lower it, or set retry_backoff_max)\n");
  EXPECT_TRUE(load("host:\n  client: { retry_backoff: 200ms }\n").ok());
}

TEST(MessagingConfigTest, WorkersAndConcurrencyAreAtLeastOne) {
  EXPECT_EQ(problems("host: { workers: 0 }\nagents:\n  - { name: A, plugin: p, concurrency: 0 }\n"
                     "  - { name: B, plugin: p, concurrency: many }\n"),
            "c.yaml:1:18: error: host.workers must be between 1 and 4096, got 0\n"
            "c.yaml:3:40: error: concurrency of agent 'A' must be between 1 and 4096, got 0\n"
            "c.yaml:4:40: error: concurrency of agent 'B' must be an integer, got 'many'\n");
}

TEST(MessagingConfigTest, SocketsCpuIsACpuNumber) {
  auto result = load("host:\n  sockets_cpu: ${CPU:-1}\nagents: []\n");
  ASSERT_TRUE(result.ok()) << formatted(result.diagnostics);
  EXPECT_EQ(result.config.host.sockets_cpu, 1);
  EXPECT_EQ(problems("host: { sockets_cpu: -1 }\nagents: []\n"),
            "c.yaml:1:22: error: host.sockets_cpu must be between 0 and 1023, got -1\n");
  EXPECT_EQ(problems("host: { sockets_cpu: last }\nagents: []\n"),
            "c.yaml:1:22: error: host.sockets_cpu must be an integer, got 'last'\n");
}

TEST(MessagingConfigTest, HostPeersHasMoved) {
  EXPECT_EQ(problems("host:\n  name: pc1\n  peers: [\"tcp://pc2:7000\"]\n"),
            "c.yaml:3:3: error: host.peers has moved to host.registry.peers (move the list there, written as the "
            "HOST:PORT registry addresses of all hosts, e.g. [\"pc1:7400\", \"pc2:7400\"])\n");
}

TEST(MessagingConfigTest, UnknownKeysInTheNewSections) {
  const char* text = R"(host:
  bnid: 0.0.0.0
  registry: { backnd: peers, listen: "pc1:7400", ttll: 2s }
  client: { retry_backof: 5ms, breaker_failure: 2 }
  worker: 4
agents:
  - { name: A, plugin: p, concurency: 2 }
)";
  EXPECT_EQ(problems(text),
            "c.yaml:2:3: error: unknown key 'bnid' in host (did you mean 'bind'?)\n"
            "c.yaml:5:3: error: unknown key 'worker' in host (did you mean 'workers'?)\n"
            "c.yaml:3:15: error: unknown key 'backnd' in host.registry (did you mean 'backend'?)\n"
            "c.yaml:3:50: error: unknown key 'ttll' in host.registry (did you mean 'ttl'?)\n"
            "c.yaml:3:38: warning: host.registry.listen is only used by backend peers, not local (remove it, or "
            "write backend: peers)\n"
            "c.yaml:4:13: error: unknown key 'retry_backof' in host.client (did you mean 'retry_backoff'?)\n"
            "c.yaml:4:32: error: unknown key 'breaker_failure' in host.client (did you mean 'breaker_failures'?)\n"
            "c.yaml:7:27: error: unknown key 'concurency' in agent (did you mean 'concurrency'?)\n");
}

TEST(MessagingConfigTest, SectionsMustBeMaps) {
  EXPECT_EQ(problems("host:\n  registry: peers\n  client: [1]\n"),
            "c.yaml:2:13: error: host.registry must be a map of keys, got a scalar\n"
            "c.yaml:3:11: error: host.client must be a map of keys, got a list\n");
}

const CheckOptions kNoPlugins{.strict = false, .check_plugins = false};

TEST(MessagingConfigTest, RegistryPortClashesLikeTheAdminPort) {
  const char* text = R"(host:
  name: m1
  admin: { listen: "127.0.0.1:9464" }
  registry: { listen: "0.0.0.0:7400", peers: ["m1:7400", "m2:7400"] }
agents:
  - { name: A, plugin: p, port: 7400 }
  - { name: B, plugin: p, port: 7400, machine: m2 }
  - { name: C, plugin: p, port: 7401 }
)";
  auto loaded = load(text);
  ASSERT_TRUE(loaded.ok()) << formatted(loaded.diagnostics);
  EXPECT_EQ(formatted(check_cluster(loaded.config, kNoPlugins)),
            "c.yaml:6:33: error: port 7400 of agent 'A' clashes with the registry listener host.registry.listen "
            "at c.yaml:4:23 (every host listens there; pick another port or write port: auto)\n"
            "c.yaml:7:33: error: port 7400 of agent 'B' clashes with the registry listener host.registry.listen "
            "at c.yaml:4:23 (every host listens there; pick another port or write port: auto)\n");
}

TEST(MessagingConfigTest, RegistryAndAdminCannotShareAPort) {
  auto loaded = load("host:\n  admin: { listen: \"127.0.0.1:9464\" }\n  registry: { listen: \"0.0.0.0:9464\", "
                     "peers: [\"m1:9464\"] }\n");
  ASSERT_TRUE(loaded.ok()) << formatted(loaded.diagnostics);
  EXPECT_EQ(formatted(check_cluster(loaded.config, kNoPlugins)),
            "c.yaml:3:23: error: port 9464 of the registry listener host.registry.listen clashes with the admin "
            "listener host.admin.listen at c.yaml:2:20 (pick another port)\n");
  // Port 0 asks each for its own ephemeral port.
  auto ephemeral = load("host:\n  admin: { listen: \"127.0.0.1:0\" }\n  registry: { backend: peers, listen: "
                        "\"127.0.0.1:0\" }\n");
  ASSERT_TRUE(ephemeral.ok()) << formatted(ephemeral.diagnostics);
  EXPECT_EQ(formatted(check_cluster(ephemeral.config, kNoPlugins)), "");
}

TEST(MessagingConfigTest, UnusedRegistryListenerTakesNoPort) {
  auto loaded = load("host:\n  registry: { backend: local, listen: \"0.0.0.0:7400\" }\n"
                     "agents:\n  - { name: A, plugin: p, port: 7400 }\n");
  EXPECT_EQ(formatted(check_cluster(loaded.config, kNoPlugins)), "");
}

TEST(NetworkAddressTest, ClassifiesPlainAddresses) {
  EXPECT_EQ(classify_address(""), AddressKind::empty);
  EXPECT_EQ(classify_address("192.168.1.5"), AddressKind::ipv4);
  EXPECT_EQ(classify_address("127.0.0.1"), AddressKind::ipv4);
  EXPECT_EQ(classify_address("::1"), AddressKind::ipv6);
  EXPECT_EQ(classify_address("2001:db8::7"), AddressKind::ipv6);
  EXPECT_EQ(classify_address("0.0.0.0"), AddressKind::wildcard);
  EXPECT_EQ(classify_address("::"), AddressKind::wildcard);
  EXPECT_EQ(classify_address("::0"), AddressKind::wildcard);
  EXPECT_EQ(classify_address("localhost"), AddressKind::localhost);
  EXPECT_EQ(classify_address("LocalHost"), AddressKind::localhost);
  EXPECT_EQ(classify_address("pc2"), AddressKind::host_name);
  EXPECT_EQ(classify_address("pc-2.lan."), AddressKind::host_name);
  EXPECT_EQ(classify_address("[::1]"), AddressKind::bracketed);
  EXPECT_EQ(classify_address("[::1]:80"), AddressKind::with_port);
  EXPECT_EQ(classify_address("pc2:80"), AddressKind::with_port);
  EXPECT_EQ(classify_address("192.168.1"), AddressKind::invalid);  // not a name either
  EXPECT_EQ(classify_address("300.1.1.1"), AddressKind::invalid);
  EXPECT_EQ(classify_address("-pc"), AddressKind::invalid);
  EXPECT_EQ(classify_address("pc_2"), AddressKind::invalid);
  EXPECT_EQ(classify_address("fe80::1%eth0"), AddressKind::invalid);
  EXPECT_EQ(classify_address(std::string(64, 'a')), AddressKind::invalid);
}

TEST(NetworkAddressTest, ParsesHostPort) {
  auto ok = [](std::string_view text) {
    auto parsed = parse_host_port(text, 7400);
    EXPECT_TRUE(std::holds_alternative<ListenAddress>(parsed)) << text;
    return std::holds_alternative<ListenAddress>(parsed) ? std::get<ListenAddress>(parsed) : ListenAddress{};
  };
  auto error = [](std::string_view text) {
    auto parsed = parse_host_port(text, 7400);
    EXPECT_TRUE(std::holds_alternative<HostPortError>(parsed)) << text;
    return std::holds_alternative<HostPortError>(parsed) ? std::get<HostPortError>(parsed).message : "";
  };
  EXPECT_EQ(ok("pc2:7400").host, "pc2");
  EXPECT_EQ(ok("pc2:7400").port, 7400);
  EXPECT_EQ(ok("[fe80::2]:1").host, "fe80::2");
  EXPECT_EQ(ok("127.0.0.1:0").port, 0);
  EXPECT_EQ(to_string(ok("[fe80::2]:1")), "[fe80::2]:1");
  EXPECT_EQ(to_string(ok("pc2:7400")), "pc2:7400");
  EXPECT_EQ(error("[::1]"), "is not [IPV6]:PORT (write e.g. \"[::1]:7400\")");
  EXPECT_EQ(error("::1:7400"), "is not HOST:PORT (write e.g. \"127.0.0.1:7400\" or \"[::1]:7400\")");
  EXPECT_EQ(error("pc2:65536"), "needs a host and a port 0..65535 (write e.g. \"127.0.0.1:7400\")");
  EXPECT_EQ(error(":7400"), "needs a host and a port 0..65535 (write e.g. \"127.0.0.1:7400\")");
}

}  // namespace
}  // namespace agenthost::config
