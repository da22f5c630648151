#include "cli/check_command.hpp"

#include <set>

#include <fmt/format.h>
#include <fmt/ostream.h>

#include "config/config_checker.hpp"
#include "config/diagnostic_order.hpp"

namespace agenthost::cli {

namespace {

std::string plural(std::size_t n, const char* word) {
  return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

}  // namespace

ValidatedConfig validate_config(const std::string& path, bool strict, bool check_plugins,
                                const config::Environment& env) {
  auto loaded = config::load_config(path, env);
  ValidatedConfig result{std::move(loaded.config), std::move(loaded.diagnostics)};
  if (strict) {
    config::Diagnostics promoted;
    for (auto d : result.diagnostics.items()) {
      d.severity = config::Severity::error;
      promoted.add(std::move(d));
    }
    result.diagnostics = std::move(promoted);
  }
  // The cluster rules run even after load errors, so that one run shows every problem; an
  // agent with a bad value is still loaded, so its dependents do not report it as unknown.
  result.diagnostics.append(config::check_cluster(result.config, {strict, check_plugins}));
  return result;
}

void print_diagnostics(const config::ClusterConfig& config, const config::Diagnostics& diagnostics,
                       std::ostream& err) {
  for (const auto& d : config::sorted_by_position(diagnostics, config.files)) err << d.format() << '\n';
}

int run_check(const CheckOptions& options, std::ostream& out, std::ostream& err) {
  auto result = validate_config(options.config_path, options.strict, /*check_plugins=*/true);
  print_diagnostics(result.config, result.diagnostics, err);
  if (options.explain) {
    for (const auto& s : result.config.substitutions)
      fmt::print(out, "{}: {} = \"{}\" ({})\n", s.where.to_string(), s.variable, s.value,
                 s.from_default ? "default" : "environment");
  }
  const auto errors = result.diagnostics.error_count();
  const auto warnings = result.diagnostics.warning_count();
  if (errors == 0) {
    std::set<std::string> machines;
    for (const auto& agent : result.config.agents) machines.insert(agent.machines.begin(), agent.machines.end());
    fmt::print(out, "{}: ok ({} on {}, {})\n", options.config_path, plural(result.config.agents.size(), "agent"),
               plural(machines.size(), "machine"), plural(warnings, "warning"));
    return 0;
  }
  fmt::print(out, "{}: {}, {}\n", options.config_path, plural(errors, "error"), plural(warnings, "warning"));
  return 1;
}

}  // namespace agenthost::cli
