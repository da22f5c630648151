#include "observability/metric_families_json.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace agenthost::observability {
namespace {

using nlohmann::json;
using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

const char* type_name(MetricType type) {
  switch (type) {
    case MetricType::Counter: return "counter";
    case MetricType::Gauge: return "gauge";
    case MetricType::Histogram: return "histogram";
    default: return nullptr;
  }
}

json labels_json(const ClientMetric& metric) {
  json labels = json::object();
  for (const auto& label : metric.label) labels[label.name] = label.value;
  return labels;
}

json metric_json(MetricType type, const ClientMetric& metric) {
  json out = {{"labels", labels_json(metric)}};
  if (type == MetricType::Counter) out["value"] = metric.counter.value;
  if (type == MetricType::Gauge) out["value"] = metric.gauge.value;
  if (type == MetricType::Histogram) {
    json buckets = json::array();
    for (const auto& bucket : metric.histogram.bucket) {
      const json le = std::isinf(bucket.upper_bound) ? json(nullptr) : json(bucket.upper_bound);
      buckets.push_back({{"le", le}, {"count", bucket.cumulative_count}});
    }
    out["count"] = metric.histogram.sample_count;
    out["sum"] = metric.histogram.sample_sum;
    out["buckets"] = std::move(buckets);
  }
  return out;
}

MetricType type_of(const std::string& name) {
  if (name == "counter") return MetricType::Counter;
  if (name == "gauge") return MetricType::Gauge;
  if (name == "histogram") return MetricType::Histogram;
  return MetricType::Untyped;
}

// Reads one series; throws json exceptions or std::invalid_argument on a wrong shape.
ClientMetric metric_from(MetricType type, const json& in) {
  ClientMetric metric;
  for (const auto& [name, value] : in.at("labels").items())
    metric.label.push_back({name, value.get<std::string>()});
  if (type == MetricType::Counter) metric.counter.value = in.at("value").get<double>();
  if (type == MetricType::Gauge) metric.gauge.value = in.at("value").get<double>();
  if (type == MetricType::Histogram) {
    metric.histogram.sample_count = in.at("count").get<std::uint64_t>();
    metric.histogram.sample_sum = in.at("sum").get<double>();
    for (const auto& bucket : in.at("buckets")) {
      const auto& le = bucket.at("le");
      const double bound = le.is_null() ? std::numeric_limits<double>::infinity() : le.get<double>();
      metric.histogram.bucket.push_back({bucket.at("count").get<std::uint64_t>(), bound});
    }
  }
  return metric;
}

}  // namespace

std::string to_json(const std::vector<MetricFamily>& families) {
  json out = json::array();
  for (const auto& family : families) {
    const char* type = type_name(family.type);
    if (!type) continue;
    json metrics = json::array();
    for (const auto& metric : family.metric) metrics.push_back(metric_json(family.type, metric));
    out.push_back({{"name", family.name}, {"help", family.help}, {"type", type}, {"metrics", std::move(metrics)}});
  }
  // Label values are the agent's text: invalid UTF-8 is replaced, not a reason to throw.
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::variant<std::vector<MetricFamily>, std::string> families_from_json(std::string_view text) {
  const auto in = json::parse(text, nullptr, false);
  if (in.is_discarded() || !in.is_array()) return std::string("not a JSON array of metric families");
  std::vector<MetricFamily> families;
  try {
    for (const auto& entry : in) {
      const auto type = type_of(entry.at("type").get<std::string>());
      if (type == MetricType::Untyped) continue;
      MetricFamily family;
      family.name = entry.at("name").get<std::string>();
      family.help = entry.at("help").get<std::string>();
      family.type = type;
      for (const auto& metric : entry.at("metrics")) family.metric.push_back(metric_from(type, metric));
      families.push_back(std::move(family));
    }
  } catch (const json::exception& e) {
    return fmt::format("a metric family of the wrong shape: {}", e.what());
  }
  return families;
}

}  // namespace agenthost::observability
