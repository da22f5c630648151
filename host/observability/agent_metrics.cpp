#include "observability/agent_metrics.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>
#include <string_view>

#include <fmt/format.h>
#include <prometheus/check_names.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

namespace agenthost::observability {
namespace {

// The host's own families: an agent's metric must not be mistaken for one of them.
constexpr std::array<std::string_view, 7> kHostFamilies = {
    "agent_requests_total", "agent_request_duration_seconds", "agent_errors_total",
    "agent_state",          "agent_health_status",            "agent_restarts_total",
    "agent_start_duration_seconds"};

bool is_reserved(std::string_view name) {
  return name.starts_with("agenthost_") ||
         std::find(kHostFamilies.begin(), kHostFamilies.end(), name) != kHostFamilies.end();
}

void check_name(const std::string& name) {
  if (!prometheus::CheckMetricName(name))
    throw std::invalid_argument(fmt::format(
        "metrics: '{}' is not a valid Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)", name));
  if (is_reserved(name))
    throw std::invalid_argument(fmt::format(
        "metrics: '{}' is reserved for the host's own metrics (choose another name)", name));
}

}  // namespace

bool is_agent_family_name(std::string_view name) {
  return prometheus::CheckMetricName(std::string(name)) && !is_reserved(name);
}

std::vector<prometheus::MetricFamily> AgentFamilies::collect(std::string_view agent) {
  std::vector<const prometheus::Collectable*> families;
  {
    std::lock_guard lock(mu_);
    for (const auto& [name, entry] : families_)
      std::visit([&](auto* family) { families.push_back(family); }, entry.family);
  }
  std::vector<prometheus::MetricFamily> out;
  for (const auto* family : families) {
    for (auto& collected : family->Collect()) {
      std::erase_if(collected.metric, [&](const prometheus::ClientMetric& metric) {
        return std::none_of(metric.label.begin(), metric.label.end(), [&](const prometheus::ClientMetric::Label& l) {
          return l.name == "agent" && l.value == agent;
        });
      });
      if (!collected.metric.empty()) out.push_back(std::move(collected));
    }
  }
  return out;
}

template <class Metric, class Builder>
prometheus::Family<Metric>& AgentFamilies::find_or_make(const std::string& name,
                                                        const std::string& help, const char* type,
                                                        Builder builder) {
  check_name(name);
  std::lock_guard lock(mu_);
  auto it = families_.find(name);
  if (it == families_.end()) {
    auto& family = builder.Name(name).Help(help).Register(registry_);
    families_.emplace(name, Entry{&family, help});
    return family;
  }
  auto* family = std::get_if<prometheus::Family<Metric>*>(&it->second.family);
  if (family == nullptr)
    throw std::invalid_argument(
        fmt::format("metrics: '{}' is already a metric of another type (not a {})", name, type));
  if (it->second.help != help)
    throw std::invalid_argument(fmt::format(
        "metrics: '{}' was made with the help text '{}' (one name, one meaning)", name,
        it->second.help));
  return **family;
}

prometheus::Family<prometheus::Counter>& AgentFamilies::counter(const std::string& name,
                                                                const std::string& help) {
  return find_or_make<prometheus::Counter>(name, help, "counter", prometheus::BuildCounter());
}

prometheus::Family<prometheus::Gauge>& AgentFamilies::gauge(const std::string& name,
                                                            const std::string& help) {
  return find_or_make<prometheus::Gauge>(name, help, "gauge", prometheus::BuildGauge());
}

prometheus::Family<prometheus::Histogram>& AgentFamilies::histogram(const std::string& name,
                                                                    const std::string& help) {
  return find_or_make<prometheus::Histogram>(name, help, "histogram", prometheus::BuildHistogram());
}

prometheus::Labels AgentMetrics::with_agent(const prometheus::Labels& labels) const {
  for (const auto& [label, value] : labels) {
    if (label == "agent")
      throw std::invalid_argument("metrics: the label 'agent' is set by the host (leave it out)");
    if (!prometheus::CheckLabelName(label))
      throw std::invalid_argument(
          fmt::format("metrics: '{}' is not a valid Prometheus label name", label));
  }
  auto out = labels;
  out.emplace("agent", agent_);
  return out;
}

prometheus::Counter& AgentMetrics::counter(const std::string& name, const std::string& help,
                                           const prometheus::Labels& labels) {
  auto all = with_agent(labels);
  return families_.counter(name, help).Add(all);
}

prometheus::Gauge& AgentMetrics::gauge(const std::string& name, const std::string& help,
                                       const prometheus::Labels& labels) {
  auto all = with_agent(labels);
  return families_.gauge(name, help).Add(all);
}

prometheus::Histogram& AgentMetrics::histogram(const std::string& name, const std::string& help,
                                               const prometheus::Histogram::BucketBoundaries& buckets,
                                               const prometheus::Labels& labels) {
  auto all = with_agent(labels);
  if (!std::is_sorted(buckets.begin(), buckets.end()))
    throw std::invalid_argument(fmt::format("metrics: the buckets of '{}' must ascend", name));
  return families_.histogram(name, help).Add(all, buckets);
}

}  // namespace agenthost::observability
