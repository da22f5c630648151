#pragma once
// A time axis for charts: a round step (1, 2 or 5 × 10^k ms) and labels that print only the
// digits that step needs ("0", "50ms", "1.5s"), in one unit along the axis.

#include <string>

#include "runtime/host_snapshot.hpp"

namespace agenthost::control {

struct TimeAxis {
  runtime::HostMillis step_ms = 1;  // between two ticks
  runtime::HostMillis end_ms = 1;   // a whole number of steps, at least the span
};

// The smallest round step that covers `span_ms` with at most `max_ticks` steps. A span that
// is not positive (nothing measured yet) is taken as 1 ms.
TimeAxis time_axis_for(runtime::HostMillis span_ms, int max_ticks);

// A tick's label: in milliseconds on an axis shorter than a second, else in seconds.
std::string tick_label(runtime::HostMillis at_ms, const TimeAxis& axis);

}  // namespace agenthost::control
