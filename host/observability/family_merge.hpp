#pragma once
// Adds families from elsewhere (isolated agents' children) to the host's own before they are
// written out: an exposition may name a family once only, and agents share families by name
// (agenthost/metrics.hpp), so a family the host has already gets the other's series.

#include <string>
#include <vector>

#include <prometheus/metric_family.h>

namespace agenthost::observability {

// Moves `more` into `into`. A family whose name is not one an agent may use
// (is_agent_family_name), or that `into` has with another type, is left out: the returned
// list names each, with why.
std::vector<std::string> merge_families(std::vector<prometheus::MetricFamily>& into,
                                        std::vector<prometheus::MetricFamily> more);

}  // namespace agenthost::observability
