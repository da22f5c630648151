// load_config_text: every key, substitution in context, and the positions of problems.

#include <gtest/gtest.h>

#include "config/config_loader.hpp"
#include "test_support.hpp"

namespace agenthost::config {
namespace {

using namespace std::chrono_literals;
using testing::fake_env;
using testing::formatted;

const char* kFull = R"(host:
  name: ${AGENTHOST_MACHINE:-main_pc}
  plugin_dirs: [plugins, /usr/lib/agenthost/plugins]
  admin: { listen: "[::1]:9464" }
  control: { socket: run/control.sock }
  startup: { parallelism: 8, timeout: 45s, strategy: levels, stop_timeout: 3s }
  health: { interval: 2s, timeout: 150ms }
  bind: 0.0.0.0
  advertise: ${PC1_IP:-pc1.lan}
  registry:
    listen: "0.0.0.0:7400"
    peers: ["pc1.lan:7400", "${PC2_IP:-localhost}:7400"]
    announce_interval: 100ms
    ttl: 2s
  client: { retry_backoff: 5ms, retry_backoff_max: 1s, breaker_failures: 3, breaker_open_for: 500ms, connect_timeout: 250ms }
  workers: 6
agents:
  - name: ModelManagerAgent
    plugin: simulated
    machine: pc2
    port: ${MM_PORT:-7211}
    dependencies: [SystemDigitalTwin]
    restart: always
    expected_start: 1200ms
    start_timeout: 5s
    concurrency: 4
    config: { init_ms: 1200, nested: { url: "http://${PC2_IP:-pc2}/x", list: [a, "${MM_PORT:-1}"] } }
  - name: SystemDigitalTwin
    plugin: simulated
    port: auto
)";

TEST(ConfigLoaderTest, ReadsEveryKey) {
  auto result = load_config_text(kFull, "/etc/agenthost/agenthost.yaml", fake_env({{"MM_PORT", "7300"}}));
  ASSERT_TRUE(result.ok()) << formatted(result.diagnostics);
  const auto& host = result.config.host;
  EXPECT_EQ(host.name, "main_pc");
  EXPECT_EQ(host.plugin_dirs, (std::vector<std::string>{"/etc/agenthost/plugins", "/usr/lib/agenthost/plugins"}));
  ASSERT_TRUE(host.admin);
  EXPECT_EQ(host.admin->host, "::1");
  EXPECT_EQ(host.admin->port, 9464);
  EXPECT_EQ(host.admin->where.to_string(), "/etc/agenthost/agenthost.yaml:4:20");
  EXPECT_EQ(host.control_socket, "/etc/agenthost/run/control.sock");
  EXPECT_EQ(host.startup_parallelism, 8);
  EXPECT_EQ(host.startup_timeout, 45s);
  EXPECT_EQ(host.startup_strategy, StartStrategy::levels);
  EXPECT_EQ(host.stop_timeout, 3s);
  EXPECT_EQ(host.health_interval, 2s);
  EXPECT_EQ(host.health_timeout, 150ms);
  EXPECT_EQ(host.bind, "0.0.0.0");
  EXPECT_EQ(host.advertise, "pc1.lan");
  EXPECT_EQ(host.registry.backend, RegistrySpec::Backend::peers);  // implied by peers
  ASSERT_TRUE(host.registry.listen);
  EXPECT_EQ(host.registry.listen->port, 7400);
  ASSERT_EQ(host.registry.peers.size(), 2u);
  EXPECT_EQ(host.registry.peers[1].host, "localhost");
  EXPECT_EQ(host.registry.announce_interval, 100ms);
  EXPECT_EQ(host.registry.ttl, 2s);
  EXPECT_EQ(host.client.retry_backoff, 5ms);
  EXPECT_EQ(host.client.retry_backoff_max, 1s);
  EXPECT_EQ(host.client.breaker_failures, 3);
  EXPECT_EQ(host.client.breaker_open_for, 500ms);
  EXPECT_EQ(host.client.connect_timeout, 250ms);
  EXPECT_EQ(host.workers, 6);

  ASSERT_EQ(result.config.agents.size(), 2u);
  const auto& mm = result.config.agents[0];
  EXPECT_EQ(mm.name, "ModelManagerAgent");
  EXPECT_EQ(mm.where.to_string(), "/etc/agenthost/agenthost.yaml:18:11");
  EXPECT_EQ(mm.plugin, "simulated");
  EXPECT_EQ(mm.machine, "pc2");
  EXPECT_EQ(mm.port, 7300);  // substituted, then read as an int
  EXPECT_FALSE(mm.port_auto);
  ASSERT_EQ(mm.dependencies.size(), 1u);
  EXPECT_EQ(mm.dependencies[0].name, "SystemDigitalTwin");
  EXPECT_EQ(mm.dependencies[0].where.to_string(), "/etc/agenthost/agenthost.yaml:22:20");
  EXPECT_EQ(mm.restart, RestartPolicy::always);
  EXPECT_EQ(mm.expected_start, 1200ms);
  EXPECT_EQ(mm.start_timeout, 5s);
  EXPECT_EQ(mm.concurrency, 4);
  EXPECT_EQ(mm.config["init_ms"].as<int>(), 1200);
  EXPECT_EQ(mm.config["nested"]["url"].as<std::string>(), "http://pc2/x");
  EXPECT_EQ(mm.config["nested"]["list"][1].as<int>(), 7300);

  const auto& twin = result.config.agents[1];
  EXPECT_EQ(twin.machine, "main_pc");  // defaults to host.name
  EXPECT_TRUE(twin.port_auto);
  EXPECT_FALSE(twin.port);
  EXPECT_EQ(twin.restart, RestartPolicy::on_failure);
  EXPECT_FALSE(twin.expected_start);
  EXPECT_EQ(twin.concurrency, 1);

  // Every substitution is recorded for --explain.
  std::vector<std::string> explained;
  for (const auto& s : result.config.substitutions)
    explained.push_back(s.where.to_string() + " " + s.variable + "=" + s.value + (s.from_default ? " d" : " e"));
  EXPECT_EQ(explained, (std::vector<std::string>{
                           "/etc/agenthost/agenthost.yaml:2:9 AGENTHOST_MACHINE=main_pc d",
                           "/etc/agenthost/agenthost.yaml:9:14 PC1_IP=pc1.lan d",
                           "/etc/agenthost/agenthost.yaml:12:29 PC2_IP=localhost d",
                           "/etc/agenthost/agenthost.yaml:21:11 MM_PORT=7300 e",
                           "/etc/agenthost/agenthost.yaml:27:45 PC2_IP=pc2 d",
                           "/etc/agenthost/agenthost.yaml:27:82 MM_PORT=7300 e",
                       }));
}

TEST(ConfigLoaderTest, DefaultsWhenKeysAreMissing) {
  auto result = load_config_text("agents: []\n", "c.yaml", fake_env());
  ASSERT_TRUE(result.ok()) << formatted(result.diagnostics);
  EXPECT_EQ(result.config.host.name, "localhost");
  EXPECT_EQ(result.config.host.startup_parallelism, 16);
  EXPECT_EQ(result.config.host.startup_strategy, StartStrategy::eager);
  EXPECT_FALSE(result.config.host.admin);
}

TEST(ConfigLoaderTest, ListenAddressForms) {
  auto result = load_config_text("host: { admin: { listen: 127.0.0.1:0 } }\n", "c.yaml", fake_env());
  ASSERT_TRUE(result.ok()) << formatted(result.diagnostics);
  EXPECT_EQ(result.config.host.admin->host, "127.0.0.1");
  EXPECT_EQ(result.config.host.admin->port, 0);
  auto bad = load_config_text("host: { admin: { listen: \"::1:9464\" } }\n", "c.yaml", fake_env());
  EXPECT_EQ(formatted(bad.diagnostics),
            "c.yaml:1:26: error: host.admin.listen '::1:9464' is not HOST:PORT (write e.g. \"127.0.0.1:9464\" or "
            "\"[::1]:9464\")\n");
}

TEST(ConfigLoaderTest, UnknownKeysAtEveryLevel) {
  const char* text = R"(hots: {}
host:
  nmae: x
  admin: { lisen: "127.0.0.1:1" }
  control: { sockett: /x }
  startup: { paralelism: 3 }
  health: { intervall: 1s }
agents:
  - name: A
    plugin: p
    dependecies: []
)";
  auto result = load_config_text(text, "c.yaml", fake_env());
  EXPECT_EQ(formatted(result.diagnostics),
            "c.yaml:1:1: error: unknown key 'hots' in the config file (did you mean 'host'?)\n"
            "c.yaml:3:3: error: unknown key 'nmae' in host (did you mean 'name'?)\n"
            "c.yaml:4:12: error: unknown key 'lisen' in host.admin (did you mean 'listen'?)\n"
            "c.yaml:5:14: error: unknown key 'sockett' in host.control (did you mean 'socket'?)\n"
            "c.yaml:6:14: error: unknown key 'paralelism' in host.startup (did you mean 'parallelism'?)\n"
            "c.yaml:7:13: error: unknown key 'intervall' in host.health (did you mean 'interval'?)\n"
            "c.yaml:11:5: error: unknown key 'dependecies' in agent (did you mean 'dependencies'?)\n");
}

TEST(ConfigLoaderTest, UnknownKeyWithoutSuggestionListsKnownKeys) {
  auto result = load_config_text("host: { colour: red }\n", "c.yaml", fake_env());
  EXPECT_EQ(formatted(result.diagnostics),
            "c.yaml:1:9: error: unknown key 'colour' in host (known keys: name, plugin_dirs, agents_dir, admin, "
            "control, startup, health, bind, advertise, registry, client, workers, log, error_bus, state_dir, curve, "
            "sockets_cpu)\n");
}

TEST(ConfigLoaderTest, WrongTypesAtTheValuePosition) {
  const char* text = R"(host:
  plugin_dirs: { a: b }
  startup: { parallelism: -2, timeout: 30, strategy: fast }
agents:
  - name: A
    plugin: p
    port: seven
    dependencies: B
    restart: on-failur
  - name: B
    plugin: p
    port: 70000
)";
  auto result = load_config_text(text, "c.yaml", fake_env());
  EXPECT_EQ(formatted(result.diagnostics),
            "c.yaml:2:16: error: host.plugin_dirs must be a list, got a map (write [a, b] or one '- item' per line)\n"
            "c.yaml:3:27: error: host.startup.parallelism must be between 1 and 4096, got -2\n"
            "c.yaml:3:40: error: host.startup.timeout: duration '30' has no unit (write 30s or 30ms)\n"
            "c.yaml:3:54: error: unknown host.startup.strategy 'fast' (use eager, levels or sequential)\n"
            "c.yaml:7:11: error: port of agent 'A' must be an integer 1..65535 or 'auto', got 'seven'\n"
            "c.yaml:8:19: error: dependencies must be a list, got a scalar (write [a, b] or one '- item' per line)\n"
            "c.yaml:9:14: error: unknown restart policy 'on-failur' for agent 'A' (did you mean 'on-failure'?)\n"
            "c.yaml:12:11: error: port 70000 of agent 'B' is out of range (use 1..65535, or 'auto')\n");
  EXPECT_EQ(result.config.agents.size(), 2u);  // still loaded, for later checks
}

TEST(ConfigLoaderTest, MissingNameAndPlugin) {
  auto result = load_config_text("agents:\n  - plugin: p\n  - name: B\n", "c.yaml", fake_env());
  EXPECT_EQ(formatted(result.diagnostics),
            "c.yaml:2:5: error: agent has no 'name' (add name: SomeAgent)\n"
            "c.yaml:3:5: error: agent 'B' has no 'plugin' (add plugin: NAME, the file libNAME.so)\n");
}

TEST(ConfigLoaderTest, MachineIsOneNameOrAListOfReplicas) {
  auto result = load_config_text(
      "host: { name: h }\nagents:\n  - { name: A, plugin: p }\n  - { name: B, plugin: p, machine: pc2 }\n"
      "  - { name: C, plugin: p, machine: [pc2, pc3] }\n",
      "c.yaml", fake_env());
  ASSERT_TRUE(result.ok()) << formatted(result.diagnostics);
  const auto& agents = result.config.agents;
  EXPECT_EQ(agents[0].machines, std::vector<std::string>{"h"});
  EXPECT_EQ(agents[1].machines, std::vector<std::string>{"pc2"});
  EXPECT_EQ(agents[2].machines, (std::vector<std::string>{"pc2", "pc3"}));
  EXPECT_EQ(agents[2].machine, "pc2");
  EXPECT_TRUE(agents[2].replicated());
  EXPECT_TRUE(agents[2].runs_on("pc3"));
  EXPECT_FALSE(agents[1].replicated());
  EXPECT_FALSE(agents[1].runs_on("h"));
}

TEST(ConfigLoaderTest, ReplicaListsMustNameEachMachineOnce) {
  auto result = load_config_text(
      "agents:\n  - { name: A, plugin: p, machine: [] }\n  - { name: B, plugin: p, machine: [m, n, m] }\n"
      "  - { name: C, plugin: p, machine: { a: b } }\n",
      "c.yaml", fake_env());
  EXPECT_EQ(formatted(result.diagnostics),
            "c.yaml:2:36: error: machine of agent 'A' is an empty list (name at least one machine, or leave it out "
            "for host.name)\n"
            "c.yaml:3:43: error: machine 'm' is listed twice for agent 'B' (each machine runs one instance of it)\n"
            "c.yaml:4:36: error: machine of agent 'C' must be a machine name or a list of them for replicas ([pc2, "
            "pc3]), got a map\n");
}

TEST(ConfigLoaderTest, SyntaxErrorHasAPosition) {
  auto result = load_config_text("host:\n  name: [a, b\nagents: []\n", "c.yaml", fake_env());
  ASSERT_EQ(result.diagnostics.error_count(), 1u);
  const auto& d = result.diagnostics.items()[0];
  EXPECT_EQ(d.where.file, "c.yaml");
  EXPECT_GT(d.where.line, 0);
  EXPECT_NE(d.message.find("YAML syntax error"), std::string::npos);
}

TEST(ConfigLoaderTest, EmptyAndNonMapFiles) {
  EXPECT_EQ(formatted(load_config_text("", "c.yaml", fake_env()).diagnostics),
            "c.yaml: error: config file is empty (add a 'host:' section and 'agents:')\n");
  EXPECT_EQ(formatted(load_config_text("- a\n", "c.yaml", fake_env()).diagnostics),
            "c.yaml:1:1: error: the config file must be a map of keys, got a list\n");
}

TEST(ConfigLoaderTest, SubstitutionErrorsDoNotCascade) {
  const char* text = "agents:\n  - name: A\n    plugin: p\n    port: ${A_PORT}\n    config: { k: \"${K:?K is "
                     "required}\" }\n";
  auto result = load_config_text(text, "c.yaml", fake_env());
  EXPECT_EQ(formatted(result.diagnostics),
            "c.yaml:4:11: error: environment variable 'A_PORT' is not set (set it, or write ${A_PORT:-default})\n"
            "c.yaml:5:18: error: environment variable 'K' is not set: K is required\n");
}

TEST(ConfigLoaderTest, RepeatedKeyIsAnError) {
  auto result = load_config_text("agents:\n  - name: A\n    plugin: p\n    plugin: q\n", "c.yaml", fake_env());
  EXPECT_EQ(formatted(result.diagnostics),
            "c.yaml:4:5: error: key 'plugin' repeated in agent (first at c.yaml:3:5; keep one)\n");
}

TEST(ConfigLoaderTest, MissingFileIsADiagnostic) {
  auto result = load_config("/nonexistent/agenthost.yaml", fake_env());
  EXPECT_EQ(formatted(result.diagnostics), "/nonexistent/agenthost.yaml: error: file does not exist (check the path)\n");
}

TEST(ConfigLoaderTest, ProcessEnvironmentReadsGetenv) {
  ::setenv("AGENTHOST_TEST_VAR", "hello", 1);
  auto env = process_environment();
  EXPECT_EQ(env("AGENTHOST_TEST_VAR"), "hello");
  EXPECT_EQ(env("AGENTHOST_TEST_VAR_UNSET_42"), std::nullopt);
}

}  // namespace
}  // namespace agenthost::config

namespace agenthost::config {
namespace {

TEST(ConfigLoaderTest, SubstitutesEveryScalarOfTheAgentConfig) {
  const char* text = R"(agents:
  - name: A
    plugin: p
    config:
      url: "tcp://${IP:-localhost}:${PORT:-7000}/$$x"
      list: ["${IP}", plain, { deep: "${MISSING:-d}" }]
      number: ${PORT:-7}
)";
  auto result = load_config_text(text, "c.yaml", fake_env({{"IP", "pc2"}}));
  ASSERT_TRUE(result.ok()) << formatted(result.diagnostics);
  const auto& c = result.config.agents.at(0).config;
  EXPECT_EQ(c["url"].as<std::string>(), "tcp://pc2:7000/$x");
  EXPECT_EQ(c["list"][0].as<std::string>(), "pc2");
  EXPECT_EQ(c["list"][1].as<std::string>(), "plain");
  EXPECT_EQ(c["list"][2]["deep"].as<std::string>(), "d");
  EXPECT_EQ(c["number"].as<int>(), 7);
  EXPECT_EQ(c["url"].Mark().line, 4);  // marks survive substitution
  EXPECT_EQ(result.config.substitutions.size(), 5u);
}

TEST(ConfigLoaderTest, AgentEntriesMustBeMaps) {
  auto result = load_config_text("agents:\n  - just_a_name\n  - { name: B, plugin: \"a b\" }\n", "c.yaml", fake_env());
  EXPECT_EQ(formatted(result.diagnostics),
            "c.yaml:2:5: error: an agent must be a map of keys, got a scalar\n"
            "c.yaml:3:24: error: plugin name 'a b' of agent 'B' is not a plain name (use letters, digits, '_', '-' "
            "and '.'; the folders are host.plugin_dirs)\n");
}

TEST(ConfigLoaderTest, AgentsMustBeAList) {
  auto result = load_config_text("agents: { name: A }\n", "c.yaml", fake_env());
  EXPECT_EQ(formatted(result.diagnostics),
            "c.yaml:1:9: error: agents must be a list, got a map (write one '- name: ...' entry per agent)\n");
}

}  // namespace
}  // namespace agenthost::config
