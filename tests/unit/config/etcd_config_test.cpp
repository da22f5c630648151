// host.registry with backend etcd: host.registry.etcd {endpoints, prefix} and its errors.

#include <gtest/gtest.h>

#include "config/config_loader.hpp"
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

std::string problems(const std::string& text) { return formatted(load(text).diagnostics); }

TEST(EtcdConfigTest, ReadsEndpointsPrefixAndTtl) {
  auto result = load(R"(host:
  registry:
    backend: etcd
    ttl: 3s
    etcd:
      endpoints: ["10.0.0.1:2379", "${ETCD2:-etcd2}:2379", "[::1]:2379"]
      prefix: /agenthost/lab/
)");
  ASSERT_TRUE(result.ok()) << formatted(result.diagnostics);
  const auto& registry = result.config.host.registry;
  EXPECT_EQ(registry.backend, Backend::etcd);
  ASSERT_EQ(registry.etcd_endpoints.size(), 3u);
  EXPECT_EQ(registry.etcd_endpoints[0].host, "10.0.0.1");
  EXPECT_EQ(registry.etcd_endpoints[1].host, "etcd2");
  EXPECT_EQ(registry.etcd_endpoints[2].host, "::1");
  EXPECT_EQ(registry.etcd_endpoints[2].port, 2379);
  EXPECT_EQ(registry.etcd_endpoints[0].where.line, 6);
  EXPECT_EQ(registry.etcd_prefix, "/agenthost/lab");  // the trailing slash is the codec's
  EXPECT_EQ(registry.ttl, 3s);
  EXPECT_TRUE(learns_other_hosts(registry));
}

TEST(EtcdConfigTest, DefaultPrefix) {
  auto result = load("host:\n  registry: { backend: etcd, etcd: { endpoints: [\"127.0.0.1:2379\"] } }\n");
  ASSERT_TRUE(result.ok()) << formatted(result.diagnostics);
  EXPECT_EQ(result.config.host.registry.etcd_prefix, "/agenthost");
}

TEST(EtcdConfigTest, EtcdBackendNeedsEndpoints) {
  EXPECT_EQ(problems("host:\n  registry: { backend: etcd }\n"),
            "c.yaml:2:24: error: host.registry.backend etcd needs host.registry.etcd.endpoints (add etcd: { "
            "endpoints: [\"HOST:2379\"] }, the client addresses of the etcd members)\n");
  EXPECT_FALSE(learns_other_hosts(load("host:\n  registry: { backend: etcd }\n").config.host.registry));
}

TEST(EtcdConfigTest, EveryBadEndpointIsReportedWithItsPosition) {
  EXPECT_EQ(problems(R"(host:
  registry:
    backend: etcd
    etcd:
      endpoints: ["http://10.0.0.1:2379", "10.0.0.1:0", "0.0.0.0:2379", "e1:2379", "e1:2379"]
)"),
            "c.yaml:5:19: error: host.registry.etcd.endpoints entry 'http://10.0.0.1:2379' is not HOST:PORT "
            "(write e.g. \"127.0.0.1:2379\" or \"[::1]:2379\")\n"
            "c.yaml:5:43: error: host.registry.etcd.endpoints entry '10.0.0.1:0' has port 0 (write the port of "
            "that member's client URL, usually 2379)\n"
            "c.yaml:5:57: error: host.registry.etcd.endpoints entry '0.0.0.0:2379' has a wildcard address, which "
            "cannot be connected to (write the address this host reaches that etcd member at)\n"
            "c.yaml:5:84: error: host.registry.etcd.endpoints lists 'e1:2379' twice (first at c.yaml:5:73; keep "
            "one)\n");
}

TEST(EtcdConfigTest, EndpointsMustBeAList) {
  EXPECT_EQ(problems("host:\n  registry: { backend: etcd, etcd: { endpoints: \"e1:2379\" } }\n"),
            "c.yaml:2:49: error: host.registry.etcd.endpoints must be a list, got a scalar (write "
            "[\"10.0.0.1:2379\", \"10.0.0.2:2379\"])\n");
}

TEST(EtcdConfigTest, PrefixMustBeAKeyPath) {
  EXPECT_EQ(problems("host:\n  registry: { backend: etcd, etcd: { endpoints: [\"e1:2379\"], prefix: agenthost } }\n"),
            "c.yaml:2:70: error: host.registry.etcd.prefix 'agenthost' must be a key path starting with '/' "
            "(write e.g. \"/agenthost/lab\"; every host of one cluster uses the same)\n");
}

TEST(EtcdConfigTest, UnknownKeyInEtcdSection) {
  EXPECT_EQ(problems("host:\n  registry: { backend: etcd, etcd: { endpoint: [\"e1:2379\"] } }\n"),
            "c.yaml:2:38: error: unknown key 'endpoint' in host.registry.etcd (did you mean 'endpoints'?)\n"
            "c.yaml:2:24: error: host.registry.backend etcd needs host.registry.etcd.endpoints (add etcd: { "
            "endpoints: [\"HOST:2379\"] }, the client addresses of the etcd members)\n");
}

TEST(EtcdConfigTest, EtcdUnusedByAnotherBackendIsAWarning) {
  auto result = load("host:\n  registry: { backend: local, etcd: { endpoints: [\"e1:2379\"] } }\n");
  EXPECT_TRUE(result.ok());
  EXPECT_EQ(formatted(result.diagnostics),
            "c.yaml:2:37: warning: host.registry.etcd is only used by backend etcd, not local (remove it, or "
            "write backend: etcd)\n");
}

}  // namespace
}  // namespace agenthost::config
