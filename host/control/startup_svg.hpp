#pragma once
// The start-up picture, like `systemd-analyze plot`: one row per agent, its load, configure
// and start phases as bars on a time axis, the critical chain outlined, failed and blocked
// agents marked with their reason. `agentctl startup --svg FILE` writes it; the /status page
// embeds the same text.
//
// Pure function: the same snapshot always gives the same SVG 1.1 document (UTF-8, no
// external fonts, styles or scripts). Rows are ordered by load_begin, then name; agents that
// never got a start slot come last, by name. Sized for about a hundred agents: 1200 px wide,
// 17 px per row; a name longer than 38 characters is shortened with "…" (the full name is
// in the row's tooltip).

#include <string>

#include "runtime/host_snapshot.hpp"

namespace agenthost::control {

std::string startup_svg(const runtime::HostSnapshot& snapshot);

}  // namespace agenthost::control
