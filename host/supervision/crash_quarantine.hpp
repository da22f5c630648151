#pragma once
// Crash quarantine, the reading half (README, "Crash quarantine"): the agents whose code
// crashed the host (crash_marker.hpp wrote one line per crash), and what that does to the
// configuration: each of them runs with `isolation: process`, saying why, until an operator
// releases it (`agentctl release AGENT`, or removing its lines from the file).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/config_model.hpp"

namespace agenthost::supervision {

struct Crash {
  int signal = 0;
  std::int64_t unix_seconds = 0;
  int count = 0;  // crashes of this agent in the file
};

// The file in a state folder ("" when the folder is ""): STATE_DIR/quarantine.
std::string quarantine_file(const std::string& state_dir);

// Every agent named in the file, with its last crash; lines that do not parse are skipped.
// A missing file is an empty quarantine.
std::map<std::string, Crash> read_quarantine(const std::string& file);

// Removes every line of `agent` from the file (rewritten whole, mode 0640). An error says why
// it could not.
std::optional<std::string> release_from_quarantine(const std::string& file, const std::string& agent);

// "its code crashed the host 2 times, last with SIGSEGV (Segmentation fault) at
// 2026-11-28T01:10:00Z; it runs isolated until `agentctl release NAME` (or its lines are
// removed from FILE)".
std::string quarantine_reason(const Crash& crash, const std::string& file);

// Plugin agents of `config` in `crashes` run isolated, with the reason. Returns their names.
std::vector<std::string> apply_quarantine(config::ClusterConfig& config, const std::map<std::string, Crash>& crashes,
                                          const std::string& file);

}  // namespace agenthost::supervision
