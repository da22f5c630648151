#include "observability/family_merge.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <prometheus/check_names.h>

#include "observability/agent_metrics.hpp"

namespace agenthost::observability {
namespace {

bool labels_valid(const prometheus::MetricFamily& family) {
  return std::all_of(family.metric.begin(), family.metric.end(), [](const prometheus::ClientMetric& metric) {
    return std::all_of(metric.label.begin(), metric.label.end(),
                       [](const auto& label) { return prometheus::CheckLabelName(label.name); });
  });
}

}  // namespace

std::vector<std::string> merge_families(std::vector<prometheus::MetricFamily>& into,
                                        std::vector<prometheus::MetricFamily> more) {
  std::vector<std::string> left_out;
  for (auto& family : more) {
    if (!is_agent_family_name(family.name) || !labels_valid(family)) {
      left_out.push_back(fmt::format("'{}': not a name or labels an agent's metric may have", family.name));
      continue;
    }
    auto same = std::find_if(into.begin(), into.end(), [&](const auto& f) { return f.name == family.name; });
    if (same == into.end()) {
      into.push_back(std::move(family));
    } else if (same->type != family.type) {
      left_out.push_back(fmt::format("'{}': this host has a family of that name of another type", family.name));
    } else {
      std::move(family.metric.begin(), family.metric.end(), std::back_inserter(same->metric));
    }
  }
  return left_out;
}

}  // namespace agenthost::observability
