#pragma once
// agentctl's human output for each command, from a HostSnapshot (parsed back from the host's
// answer). Pure functions: the same snapshot always gives the same text.

#include <string>

#include "runtime/host_snapshot.hpp"

namespace agenthost::control {

struct FormatOptions {
  bool color = false;  // ANSI colours: agentctl sets it only when stdout is a terminal
};

// "850ms", "4.213s", "2min 3s", "3h 2min", "2d 4h": exact when short, rounded when long.
std::string format_duration(runtime::HostMillis ms);

// The summary line: host, version, pid, uptime, agent counts by state, start-up time.
std::string format_summary(const runtime::HostSnapshot& snapshot, const FormatOptions& options);

// `agentctl status`: the summary line, a blank line, then NAME STATE HEALTH SINCE DETAIL.
std::string format_status(const runtime::HostSnapshot& snapshot, const FormatOptions& options);

// `agentctl list`: NAME MACHINE PLUGIN STATE.
std::string format_list(const runtime::HostSnapshot& snapshot, const FormatOptions& options);

// `agentctl health`: NAME HEALTH CHECKED DETAIL (the detail last: it is the long one).
std::string format_health(const runtime::HostSnapshot& snapshot, const FormatOptions& options);

// `agentctl startup`: blame, critical chain, then the agents that did not start and why.
std::string format_startup(const runtime::HostSnapshot& snapshot, const FormatOptions& options);

}  // namespace agenthost::control
