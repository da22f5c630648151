#pragma once
// Prometheus families as JSON, for an isolated agent's own metrics (ctx.metrics()) on their
// way from its child agenthost to the host that serves /metrics: the child answers
// `agenthost.metrics` with to_json(), the host reads it back with from_json()
// (docs/PROTOCOL.md, "agenthost.metrics"). Counters, gauges and histograms, the types
// ctx.metrics() makes; a histogram's +Inf bucket is written with "le": null (JSON has no
// infinity).

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <prometheus/metric_family.h>

namespace agenthost::observability {

std::string to_json(const std::vector<prometheus::MetricFamily>& families);

// The families, or what is wrong with the text. Families of other types are skipped.
std::variant<std::vector<prometheus::MetricFamily>, std::string> families_from_json(std::string_view text);

}  // namespace agenthost::observability
