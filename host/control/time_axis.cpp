#include "control/time_axis.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace agenthost::control {
namespace {

// Digits after the point that a 1/2/5 × 10^k step needs in a unit where it is `step`.
int decimals_for(double step) {
  return std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9)));
}

}  // namespace

TimeAxis time_axis_for(runtime::HostMillis span_ms, int max_ticks) {
  if (!(span_ms > 0) || !std::isfinite(span_ms)) span_ms = 1;
  max_ticks = std::max(max_ticks, 1);
  double magnitude = std::pow(10.0, std::floor(std::log10(span_ms / max_ticks)));
  for (;; magnitude *= 10) {
    for (double mantissa : {1.0, 2.0, 5.0}) {
      const double step = mantissa * magnitude;
      const double steps = std::ceil(span_ms / step - 1e-9);
      if (steps <= max_ticks) return {step, steps * step};
    }
  }
}

std::string tick_label(runtime::HostMillis at_ms, const TimeAxis& axis) {
  if (at_ms == 0) return "0";
  if (axis.end_ms > 1000)
    return fmt::format("{:.{}f}s", at_ms / 1000, decimals_for(axis.step_ms / 1000));
  return fmt::format("{:.{}f}ms", at_ms, decimals_for(axis.step_ms));
}

}  // namespace agenthost::control
