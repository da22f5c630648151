#pragma once
// `agenthost check --config FILE [--strict] [--explain]`: validates a config offline, like
// `nginx -t`.

#include <ostream>
#include <string>

#include "config/config_loader.hpp"
#include "config/config_model.hpp"
#include "config/diagnostic.hpp"

namespace agenthost::cli {

struct CheckOptions {
  std::string config_path;
  bool strict = false;   // warnings are errors
  bool explain = false;  // also print every ${VAR} substitution
};

// Prints diagnostics to `err`, the summary (and --explain lines) to `out`.
// Returns 0 when the config is valid (warnings allowed), 1 when not.
int run_check(const CheckOptions& options, std::ostream& out, std::ostream& err);

// Loads `path` and runs every cluster rule; what `check`, `plan` and `run` all start with.
struct ValidatedConfig {
  config::ClusterConfig config;
  config::Diagnostics diagnostics;  // load and check problems together
  bool ok() const { return !diagnostics.has_errors(); }
};
ValidatedConfig validate_config(const std::string& path, bool strict, bool check_plugins,
                                const config::Environment& env = config::process_environment());

// One diagnostic per line (a cycle's notes on the lines after it), sorted by file in load
// order, then line and column.
void print_diagnostics(const config::ClusterConfig& config, const config::Diagnostics& diagnostics,
                       std::ostream& err);

}  // namespace agenthost::cli
