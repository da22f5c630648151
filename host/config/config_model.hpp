#pragma once
// The validated, substituted configuration of a cluster: what `run`, `check` and `plan` use.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "config/diagnostic.hpp"

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

struct AgentSpec {
  std::string name;
  SourceLocation where;  // position of the `name:` value

  std::string plugin;
  SourceLocation plugin_where;

  std::string machine;  // defaults to host.name
  SourceLocation machine_where;

  std::optional<int> port;  // a fixed tcp port
  bool port_auto = false;   // `port: auto`: an ephemeral port published in the registry
  SourceLocation port_where;

  std::vector<Dependency> dependencies;
  RestartPolicy restart = RestartPolicy::on_failure;

  // How long start() is expected to take: used by `plan` for the critical path and by the
  // scheduler to start the longest chains first. Unknown when unset.
  std::optional<Duration> expected_start;
  std::optional<Duration> start_timeout;  // overrides host.startup.timeout

  YAML::Node config;  // the agent's own `config:` node, substituted, handed over untouched
};

struct ListenAddress {
  std::string host;  // "127.0.0.1", "::1", "localhost"
  int port = 0;
  SourceLocation where;
};

struct HostSpec {
  std::string name = "localhost";
  std::vector<std::string> plugin_dirs;  // resolved relative to the main config file's folder
  std::string agents_dir;                // "" when unset; resolved like plugin_dirs
  std::optional<ListenAddress> admin;    // host.admin.listen
  std::string control_socket;            // host.control.socket ("" = none)
  int startup_parallelism = 16;
  Duration startup_timeout = std::chrono::seconds(30);
  StartStrategy startup_strategy = StartStrategy::eager;
  Duration stop_timeout = std::chrono::seconds(10);  // per agent stop()
  Duration health_interval = std::chrono::seconds(1);
  Duration health_timeout = std::chrono::milliseconds(200);
  std::vector<std::string> peers;
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

struct ClusterConfig {
  std::string main_file;            // path as given
  std::vector<std::string> files;   // main file then drop-ins, in load order
  HostSpec host;
  std::vector<AgentSpec> agents;    // main file first, then drop-ins in file-name order
  std::vector<Substitution> substitutions;
  std::vector<WrittenAddress> written_addresses;
};

}  // namespace agenthost::config
