#pragma once
// The admin listener's pages, as pure functions of a host snapshot (tested without HTTP).

#include <string>

#include "runtime/host_snapshot.hpp"

namespace agenthost::admin {

struct Page {
  int status = 200;
  std::string content_type;
  std::string body;
};

// 200 "ready" when start-up has finished and every agent of this host is ready; else 503
// with one line per agent that is not, and why.
Page readyz(const runtime::HostSnapshot& snapshot);

// JSON: the host and every agent's state, health, detail, since when, restarts.
Page health_json(const runtime::HostSnapshot& snapshot);

// HTML for people: the agents table and, below it, the start-up chart `startup_svg`. Works
// offline: no script, style sheet or font from anywhere else; refreshes itself every 5 s.
Page status_html(const runtime::HostSnapshot& snapshot, const std::string& startup_svg);

}  // namespace agenthost::admin
