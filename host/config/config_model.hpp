#pragma once
// The validated, substituted configuration of a cluster: what `run`, `check` and `plan` use.

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "config/diagnostic.hpp"
#include "observability/log_settings.hpp"
#include "security/curve_key.hpp"

namespace agenthost::config {

using Duration = std::chrono::milliseconds;

enum class RestartPolicy { never, on_failure, always };

// How `run` orders starts. eager is the product; levels and sequential exist so that
// bench/startup can measure the seed roadmap's approaches with the same agents.
enum class StartStrategy { eager, levels, sequential };

struct Dependency {
  std::string name;
  SourceLocation where;  // position of the name in the dependencies list
};

// Supervision of one agent (README "Restart policy"); the defaults are the documented ones.
struct RestartBackoffSpec {
  Duration initial = std::chrono::seconds(1);  // the delay before the first restart
  Duration max = std::chrono::seconds(30);     // the cap; each failure in a row doubles it
  double jitter = 0.2;                         // +-20 % at random, so agents do not restart in step
};
struct StartLimitSpec {
  int burst = 5;                                // restarts allowed within `interval`;
  Duration interval = std::chrono::seconds(60); // one more fails the agent until `agentctl restart`
};
struct LivenessSpec {
  int failure_threshold = 3;  // consecutive unhealthy health polls that restart the agent
};

// What an agent is: a plugin the host loads, or a program it runs as a child (README, "Process
// agents").
enum class AgentKind { plugin, process };

// Where a plugin agent's code runs: in the host's process, or in a child agenthost of its own
// (`isolation: process`), so that a crash takes that child down and not the host.
enum class Isolation { none, process };

// The settings of a `kind: process` agent.
struct ProcessSpec {
  std::string command;                // looked up in PATH when it has no '/'
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;  // added to the host's, in file order
  std::string workdir;                // "" = the host's working directory
  std::string endpoint;               // the program's own AH1 endpoint; "" = it serves nothing
  SourceLocation endpoint_where;
  bool ready_by_health = false;       // ready (and healthy) when agenthost.health answers there
  std::vector<std::string> ready_command;  // or: ready (and healthy) when this exits 0
  Duration stop_timeout{5000};        // after SIGTERM, then SIGKILL
  std::string label;                  // what messages call it; "" = 'COMMAND'
  // Set by the host for an isolated agent's child: it reports its handlers' failures on this
  // host's error bus itself, so a forwarded 500 is not reported twice.
  bool reports_own_errors = false;
};

struct AgentSpec {
  std::string name;
  SourceLocation where;  // position of the `name:` value

  AgentKind kind = AgentKind::plugin;
  std::string plugin;  // kind: plugin only
  SourceLocation plugin_where;
  ProcessSpec process;  // kind: process only
  Isolation isolation = Isolation::none;  // kind: plugin only
  SourceLocation isolation_where;
  // Set by the host, not the config: why this agent runs isolated although its config does not
  // say so (its code crashed the host before: crash quarantine). "" otherwise.
  std::string quarantined;
  // A child process runs it: a process agent, or an isolated plugin.
  bool runs_in_child() const { return kind == AgentKind::process || isolation == Isolation::process; }

  // `machine: NAME` or, for replicas, `machine: [A, B]`: every machine that runs this agent.
  // `machine` is the first of them (messages name it); both default to host.name.
  std::string machine;
  std::vector<std::string> machines;
  SourceLocation machine_where;
  bool runs_on(std::string_view name) const {
    return std::find(machines.begin(), machines.end(), name) != machines.end();
  }
  bool replicated() const { return machines.size() > 1; }

  std::optional<int> port;  // a fixed tcp port
  bool port_auto = false;   // `port: auto`: an ephemeral port published in the registry
  SourceLocation port_where;

  std::vector<Dependency> dependencies;
  RestartPolicy restart = RestartPolicy::on_failure;
  RestartBackoffSpec restart_backoff;
  StartLimitSpec start_limit;
  LivenessSpec liveness;

  // How long start() is expected to take: used by `plan` for the critical path and by the
  // scheduler to start the longest chains first. Unknown when unset.
  std::optional<Duration> expected_start;
  std::optional<Duration> start_timeout;  // overrides host.startup.timeout
  int concurrency = 1;  // how many of this agent's request handlers may run at once
  std::optional<observability::LogLevel> log_level;  // its logger's level; unset = the host's

  YAML::Node config;  // the agent's own `config:` node, substituted, handed over untouched
};

struct ListenAddress {
  std::string host;  // "127.0.0.1", "::1", "localhost"
  int port = 0;
  SourceLocation where;
};

// The registry backends, one X(name) each: the enum below and the names the config accepts
// (registry_backend_names) are both made from this list, so adding one is one line here.
#define AGENTHOST_REGISTRY_BACKENDS(X) \
  X(local) /* kept in this host only; nothing is announced */ \
  X(peers) /* every host announces its endpoints to host.registry.peers */ \
  X(etcd)  /* every host puts its endpoints into etcd under a lease and watches the others' */

// host.registry: where agents' endpoints are published and looked up.
struct RegistrySpec {
#define AGENTHOST_ENUMERATOR(name) name,
  enum class Backend { AGENTHOST_REGISTRY_BACKENDS(AGENTHOST_ENUMERATOR) };
#undef AGENTHOST_ENUMERATOR
  Backend backend = Backend::local;     // peers when only `peers` is written
  std::optional<ListenAddress> listen;  // this host's registry endpoint; required by peers
  std::vector<ListenAddress> peers;     // the registry listen addresses of all hosts (may include this one)
  Duration announce_interval{200};
  Duration ttl{1000};  // an endpoint not announced again within ttl is dropped; > announce_interval
  std::vector<ListenAddress> etcd_endpoints;  // host.registry.etcd.endpoints: members' client addresses
  std::string etcd_prefix = "/agenthost";     // host.registry.etcd.prefix: the cluster's keys start with it
};

// The backend can tell this host about agents of other machines (a remote dependency can be
// waited for), whichever it is.
bool learns_other_hosts(const RegistrySpec& registry);

// The backends' names as written in the config, in declaration order.
const std::vector<std::string>& registry_backend_names();
// "local", "peers", "etcd".
const std::string& to_string(RegistrySpec::Backend backend);

// host.client: how an agent calls other agents' endpoints.
struct ClientSpec {
  Duration retry_backoff{10};       // first pause between attempts of an idempotent call; doubles
  Duration retry_backoff_max{200};  // the pause never grows beyond this
  int breaker_failures = 5;         // consecutive failures that open an endpoint's circuit
  Duration breaker_open_for{1000};  // how long a circuit stays open before one trial call
  // How long a request to another host waits for a connection before it fails "unavailable"
  // (and an idempotent call moves on to another replica), within the call's deadline.
  Duration connect_timeout{500};
};

// host.log: the host's level (agents without log_level start at it) and the stderr format.
struct LogSpec {
  observability::LogLevel level = observability::LogLevel::info;
  observability::LogFormat format = observability::LogFormat::text;
};

// host.error_bus: how many events this host keeps, and forwarding to one central host.
struct ErrorBusSpec {
  int keep = 1000;                          // events kept for `agentctl errors`
  std::optional<ListenAddress> listen;      // receive other hosts' events here (the central host)
  std::optional<ListenAddress> forward_to;  // send every local event to this collector
  int buffer = 10'000;                      // events waiting while the collector is away
};

// host.curve (README, "Security"): ZeroMQ CURVE on every tcp endpoint and link between hosts.
// One server key for the cluster (any host may serve any agent, so a caller trusts one key and
// not whatever a registry says); each host and outside client has its own client key, and a
// server admits the cluster's own keys and those in authorized_keys.
struct CurveSpec {
  std::string server_key;       // the cluster's secret certificate, the same on every host
  std::string client_key;       // this host's secret certificate for its calls; "" = server_key
  std::string authorized_keys;  // a file or folder of admitted public keys; "" = the cluster's hosts only
  SourceLocation server_key_where, client_key_where, authorized_keys_where;
  // Read by the loader from the files above.
  security::CurveKeyPair server, client;
};

struct HostSpec {
  std::string name = "localhost";
  std::vector<std::string> plugin_dirs;  // resolved relative to the main config file's folder
  std::string agents_dir;                // "" when unset; resolved like plugin_dirs
  std::optional<ListenAddress> admin;    // host.admin.listen
  std::string control_socket;            // host.control.socket ("" = none)
  unsigned control_mode = 0660;          // host.control.mode: the socket file's permissions
  struct Account {
    std::string name;
    int id = -1;  // resolved on this machine when the config was read
  };
  std::optional<Account> control_owner;  // host.control.owner (a user); default: the host's user
  std::optional<Account> control_group;  // host.control.group; default: the host's group
  int startup_parallelism = 16;
  Duration startup_timeout = std::chrono::seconds(30);
  StartStrategy startup_strategy = StartStrategy::eager;
  Duration stop_timeout = std::chrono::seconds(10);  // per agent stop()
  Duration health_interval = std::chrono::seconds(1);
  Duration health_timeout = std::chrono::milliseconds(200);
  std::string bind = "127.0.0.1";  // where agents' tcp endpoints listen: an IP literal, localhost, 0.0.0.0, ::
  SourceLocation bind_where;       // position of host.bind's value (empty when unset)
  std::string advertise;           // the address other hosts reach this host at; after loading:
                                   // host.advertise, or else bind (a wildcard bind without it is an error)
  RegistrySpec registry;
  ClientSpec client;
  LogSpec log;
  ErrorBusSpec error_bus;
  int workers = 0;  // request handler pool size; 0 = automatic (max(2, hardware threads))
  // host.sockets_cpu: the one CPU that ZeroMQ's I/O thread and the threads receiving on the
  // agents' sockets run on (README, "Messaging"); unset = wherever the kernel puts them.
  std::optional<int> sockets_cpu;
  // Where the host keeps what must survive its restart (the crash quarantine file); resolved
  // like agents_dir. "" = $STATE_DIRECTORY (systemd's StateDirectory=), else none.
  std::string state_dir;
  std::optional<CurveSpec> curve;  // host.curve; unset = plain ZeroMQ
};

// One ${...} reference that was replaced, for `check --explain`.
struct Substitution {
  SourceLocation where;
  std::string variable;
  std::string value;
  bool from_default = false;  // the variable was unset and the default was used
};

// An IP address written literally in a scalar (before substitution), for `check` warnings.
struct WrittenAddress {
  SourceLocation where;       // the scalar's position
  std::string address;
  std::string in_default_of;  // variable name when written as its ${VAR:-default}, else ""
};

// True on the central host of a cluster config that sets both host.error_bus.listen and
// forward_to: forward_to is its own listen address (or its advertise address with that port).
// It keeps its events instead of sending them to itself.
bool forwards_to_itself(const HostSpec& host);

struct ClusterConfig {
  std::string main_file;            // path as given
  std::vector<std::string> files;   // main file then drop-ins, in load order
  HostSpec host;
  std::vector<AgentSpec> agents;    // main file first, then drop-ins in file-name order
  std::vector<Substitution> substitutions;
  std::vector<WrittenAddress> written_addresses;
};

}  // namespace agenthost::config
