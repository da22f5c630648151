// agentctl: talks to a running agenthost over its control socket (host/control/).
//
//   agentctl [--socket PATH] [--json] [--timeout SECONDS] COMMAND
//   COMMAND: status | list | health | startup [--svg FILE] | start|stop|restart AGENT
//            | reload [AGENT] [--force] | release AGENT
//            | log-level AGENT|agenthost LEVEL
//            | errors [--follow] [--agent AGENT] [--severity S] [--limit N]
//            | curve-keygen DIR NAME   (local: makes a CURVE key pair, needs no host)
//
// Exit codes: 0 ok, 1 the host answered with an error or could not be reached, 2 usage error.

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <optional>
#include <string>
#include <thread>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "agenthost/version.hpp"
#include "control/atomic_file.hpp"
#include "control/control_client.hpp"
#include "control/control_protocol.hpp"
#include "control/curve_keygen_command.hpp"
#include "control/errors_command.hpp"
#include "control/snapshot_json.hpp"
#include "control/startup_svg.hpp"
#include "control/table_format.hpp"

namespace {

using namespace agenthost::control;

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

bool stdout_wants_color() {
  const char* term = std::getenv("TERM");
  return ::isatty(STDOUT_FILENO) == 1 && std::getenv("NO_COLOR") == nullptr &&
         !(term != nullptr && std::string(term) == "dumb");
}

std::string connection_hint(const ControlReply& reply) {
  if (reply.failure != ControlReply::Failure::connect) return "";
  if (reply.error_number == EACCES)
    return " (is your user in the socket's group? use --socket PATH)";
  return " (is agenthost running? use --socket PATH)";
}

using Formatter = std::string (*)(const agenthost::runtime::HostSnapshot&, const FormatOptions&);

// `startup --svg FILE`. The line saying where the chart went goes to `report`: stderr when
// stdout carries the JSON answer.
int write_startup_chart(const std::string& path, const agenthost::runtime::HostSnapshot& snapshot,
                        std::ostream& report) {
  if (auto error = write_file_atomically(path, startup_svg(snapshot))) {
    std::cerr << "agentctl: " << *error << '\n';
    return kExitFailure;
  }
  report << fmt::format("start-up chart of {} agents written to {}\n", snapshot.agents.size(), path);
  return kExitOk;
}

int run(const std::optional<std::string>& socket, std::chrono::milliseconds timeout, bool json_output,
        const nlohmann::json& request, Formatter formatter, const std::optional<std::string>& svg_file) {
  const ControlClient client(resolve_socket_path(socket), timeout);
  const ControlReply reply = client.request(request);
  if (!reply.answered()) {
    std::cerr << "agentctl: " << reply.error << connection_hint(reply) << '\n';
    return kExitFailure;
  }
  const nlohmann::json& answer = *reply.answer;
  if (json_output)
    std::cout << answer.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  if (!answer.value("ok", false)) {
    std::cerr << "agentctl: " << answer.value("error", std::string("the host reported an error"))
              << '\n';
    return kExitFailure;
  }
  if (json_output && !svg_file) return kExitOk;

  if (formatter == nullptr) {  // a command the host's handler answered: say what it said
    std::cout << answer.value("message", fmt::format("{}: ok", answer.value("command", std::string())))
              << '\n';
    return kExitOk;
  }
  agenthost::runtime::HostSnapshot snapshot;
  try {
    snapshot = snapshot_from_json(answer);
  } catch (const std::exception& e) {
    std::cerr << "agentctl: cannot read the host's answer: " << e.what() << " (try --json)\n";
    return kExitFailure;
  }
  if (svg_file) return write_startup_chart(*svg_file, snapshot, json_output ? std::cerr : std::cout);
  std::cout << formatter(snapshot, FormatOptions{stdout_wants_color()});
  return kExitOk;
}

// `errors`: one answer, or with `follow` a new question every 250 ms for what came since.
// Ends on Ctrl-C (or when the host goes away: exit 1).
int run_errors(const std::optional<std::string>& socket, std::chrono::milliseconds timeout, bool json_output,
               nlohmann::json request, bool follow) {
  const ControlClient client(resolve_socket_path(socket), timeout);
  const FormatOptions options{stdout_wants_color()};
  for (bool first = true;; first = false) {
    const ControlReply reply = client.request(request);
    if (!reply.answered()) {
      std::cerr << "agentctl: " << reply.error << connection_hint(reply) << '\n';
      return kExitFailure;
    }
    const nlohmann::json& answer = *reply.answer;
    if (!answer.value("ok", false)) {
      std::cerr << "agentctl: " << answer.value("error", std::string("the host reported an error")) << '\n';
      return kExitFailure;
    }
    if (json_output && !follow) {
      std::cout << answer.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    } else if (json_output) {  // JSON lines: one event per line, for scripts that follow
      for (const auto& event : answer.at("events"))
        std::cout << event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    } else {
      std::cout << format_error_events(answer, first, options);
    }
    std::cout.flush();
    if (!follow) return kExitOk;
    request["after"] = answer.value("last_seq", std::uint64_t{0});
    request.erase("limit");  // the limit is for the first look back only
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"agentctl: control a running agenthost over its control socket"};
  app.set_version_flag("--version", "agentctl " AGENTHOST_VERSION_STRING);
  app.require_subcommand(1);

  std::optional<std::string> socket;
  bool json_output = false;
  double timeout_seconds = 5.0;
  app.add_option("--socket", socket,
                 fmt::format("control socket (default: ${}, else {})", kSocketPathEnvVar,
                             kDefaultSocketPath));
  app.add_flag("--json", json_output, "print the host's raw JSON answer");
  app.add_option("--timeout", timeout_seconds, "seconds to wait for connect + answer")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();

  struct Command {
    const char* name;
    const char* help;
    Formatter formatter;
  };
  const Command snapshot_commands[] = {
      {"status", "host summary and every agent's state and health", format_status},
      {"list", "agents with their machine, plugin and state", format_list},
      {"health", "every agent's last health check", format_health},
      {"startup", "start-up blame and critical chain (like systemd-analyze)", format_startup},
  };
  nlohmann::json request;
  Formatter formatter = nullptr;
  for (const auto& command : snapshot_commands) {
    auto* sub = app.add_subcommand(command.name, command.help)->fallthrough();
    sub->callback([&request, &formatter, command] {
      request = {{"command", command.name}};
      formatter = command.formatter;
    });
  }
  std::optional<std::string> svg_file;
  app.get_subcommand("startup")
      ->add_option("--svg", svg_file,
                   "write the start-up as a Gantt chart (SVG) to FILE instead of the tables")
      ->type_name("FILE");
  std::string agent;
  auto* release = app.add_subcommand("release",
                                     "take an agent out of crash quarantine: it runs in the host's process again "
                                     "(the configuration is reloaded)")
                      ->fallthrough();
  release->add_option("agent", agent, "agent name")->required();
  release->callback([&request, &agent] { request = {{"command", "release"}, {"agent", agent}}; });
  for (const char* name : {"start", "stop", "restart"}) {
    auto* sub = app.add_subcommand(name, fmt::format("{} one agent", name))->fallthrough();
    sub->add_option("agent", agent, "agent name")->required();
    sub->callback([&request, &agent, name] { request = {{"command", name}, {"agent", agent}}; });
  }
  bool force = false;
  auto* reload = app.add_subcommand("reload",
                                    "reload one agent from its plugin file; without AGENT, re-read the whole "
                                    "configuration and apply what changed")
                     ->fallthrough();
  reload->add_option("agent", agent, "agent name");
  reload->add_flag("--force", force, "stop removed agents even while running agents depend on them");
  reload->callback([&] {
    request = {{"command", "reload"}};
    if (!agent.empty()) request["agent"] = agent;
    if (force) request["force"] = true;
  });
  std::string level;  // checked by the host, which names the valid levels when it refuses one
  auto* log_level = app.add_subcommand("log-level", "set the log level of one agent, or of the host ('agenthost')")
                        ->fallthrough();
  log_level->add_option("agent", agent, "agent name, or agenthost for the host's own logger")->required();
  log_level->add_option("level", level, "trace, debug, info, warn, error, critical or off")->required();
  log_level->callback([&request, &agent, &level] {
    request = {{"command", "log-level"}, {"agent", agent}, {"level", level}};
  });

  bool follow = false;
  std::string severity;
  unsigned limit = 100;
  auto* errors = app.add_subcommand("errors", "the error bus: recent error events, newest last")->fallthrough();
  errors->add_flag("-f,--follow", follow, "keep printing new events as they come (Ctrl-C ends)");
  errors->add_option("--agent", agent, "only this agent's events");
  errors->add_option("--severity", severity, "at least this severity: info, warning, error or critical");
  errors->add_option("--limit", limit, "show at most this many of the newest events")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  errors->callback([&] {
    request = {{"command", "errors"}, {"limit", limit}};
    if (!agent.empty()) request["agent"] = agent;
    if (!severity.empty()) request["severity"] = severity;
  });

  std::string key_dir, key_name;
  auto* keygen = app.add_subcommand("curve-keygen",
                                    "make a CURVE key pair for host.curve: DIR/NAME.key (public) and "
                                    "DIR/NAME.key_secret (secret, mode 0600); needs no running host");
  keygen->add_option("dir", key_dir, "folder for the two files (created when missing)")->required();
  keygen->add_option("name", key_name, "the key's name: 'cluster' for host.curve.server_key, or a host's or "
                                       "client's name")
      ->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);  // prints help, the version or the usage error
    return code == 0 ? kExitOk : kExitUsage;
  }

  const auto timeout = std::chrono::milliseconds(static_cast<long long>(timeout_seconds * 1000 + 0.5));
  try {
    if (keygen->parsed()) return run_curve_keygen(key_dir, key_name, std::cout, std::cerr);
    if (request.value("command", "") == "errors") {
      return run_errors(socket, std::max(timeout, std::chrono::milliseconds(1)), json_output, request, follow);
    }
    return run(socket, std::max(timeout, std::chrono::milliseconds(1)), json_output, request, formatter,
               svg_file);
  } catch (const std::exception& e) {
    std::cerr << "agentctl: " << e.what() << '\n';
    return kExitFailure;
  }
}
