// agenthost: run, check and plan (DESIGN.md section 2).

#include <chrono>
#include <exception>
#include <iostream>

#include <CLI/CLI.hpp>

#include "agenthost/version.hpp"
#include "cli/check_command.hpp"
#include "cli/plan_command.hpp"
#include "cli/run_command.hpp"
#include "observability/log_settings.hpp"

int main(int argc, char** argv) {
  const auto t0 = std::chrono::steady_clock::now();
  using namespace agenthost::cli;

  CLI::App app{"agenthost: one host process for many long-running agents"};
  app.set_version_flag("--version", std::string("agenthost ") + AGENTHOST_VERSION_STRING);
  app.require_subcommand(1);

  RunOptions run;
  run.t0 = t0;
  auto* run_cmd = app.add_subcommand("run", "Start this machine's agents and supervise them");
  run_cmd->add_option("-c,--config", run.config_path, "Host config file")->required();
  run_cmd->add_option("-m,--machine", run.machine,
                      "Run the agents of this machine (default: host.name); 'all' runs every "
                      "machine's agents in this one host");
  run_cmd->add_option("--strategy", run.strategy,
                      "Override host.startup.strategy: eager, levels or sequential");
  run_cmd->add_option("--log-level", run.log_level,
                      "Override host.log.level: trace, debug, info, warn, error, critical or off")
      ->check(CLI::IsMember(agenthost::observability::log_level_names()));
  run_cmd->add_option("--log-format", run.log_format,
                      "Override host.log.format: text, or json (one JSON object per line on stderr)")
      ->check(CLI::IsMember(agenthost::observability::log_format_names()));
  // Not for people: how a host starts the child of an isolated agent (README, "Isolation").
  run_cmd->add_option("--isolated-child", run.isolated_child_dir, "")->group("");

  CheckOptions check;
  auto* check_cmd = app.add_subcommand("check", "Validate a config offline (exit 0 valid, 1 invalid)");
  check_cmd->add_option("-c,--config", check.config_path, "Host config file")->required();
  check_cmd->add_flag("--strict", check.strict, "Treat warnings (literal IPs) as errors");
  check_cmd->add_flag("--explain", check.explain, "Show every value substituted from the environment");

  PlanOptions plan;
  auto* plan_cmd = app.add_subcommand("plan", "Show start-up levels and the critical path");
  plan_cmd->add_option("-c,--config", plan.config_path, "Host config file")->required();
  plan_cmd->add_option("-m,--machine", plan.machine, "Machine to plan for (default: host.name; 'all')");
  plan_cmd->add_flag("--dot", plan.dot, "Print a Graphviz digraph instead");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : kExitUsage;
  }

  try {
    if (*run_cmd) return run_host(run);
    if (*check_cmd) return run_check(check, std::cout, std::cerr);
    if (*plan_cmd) return run_plan(plan, std::cout, std::cerr);
  } catch (const std::exception& e) {
    std::cerr << "agenthost: " << e.what() << '\n';
    return kExitFailure;
  }
  return kExitUsage;
}
