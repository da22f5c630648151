#pragma once
// Reads a host config file and its agents_dir drop-ins into a ClusterConfig.

#include <functional>
#include <optional>
#include <string>

#include "config/config_model.hpp"
#include "config/diagnostic.hpp"
#include "config/yaml_pieces.hpp"

namespace agenthost::config {

// Looks up an environment variable; std::nullopt when unset. Tests pass their own.
using Environment = std::function<std::optional<std::string>(const std::string&)>;
Environment process_environment();

struct LoadResult {
  ClusterConfig config;
  Diagnostics diagnostics;  // syntax, schema, substitution problems; all of them
  bool ok() const { return !diagnostics.has_errors(); }
};

// Parses `path`, substitutes ${VAR}, ${VAR:-default} and ${VAR:?message} in every scalar,
// rejects unknown keys (with "did you mean"), converts durations, then merges every
// *.yaml / *.yml file of host.agents_dir (sorted by name; each holds `agents: [...]` or a
// single agent mapping). Never throws for bad input: every problem is a diagnostic.
LoadResult load_config(const std::string& path, const Environment& env = process_environment());
// Same, with the main file's agent list parsed in pieces as `pieces` says (`agenthost run`).
LoadResult load_config(const std::string& path, const Environment& env, const YamlPieces& pieces);

// Same, from text (tests); `file_name` is used in diagnostics; drop-ins are read from disk.
LoadResult load_config_text(const std::string& text, const std::string& file_name,
                            const Environment& env = process_environment());

}  // namespace agenthost::config
