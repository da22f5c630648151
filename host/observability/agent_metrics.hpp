#pragma once
// The host's side of the plugin API's Metrics (agenthost/metrics.hpp): agents' own families,
// shared by name across agents and type-checked, in the host's one registry.

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <prometheus/metric_family.h>
#include <prometheus/registry.h>

#include "agenthost/metrics.hpp"

namespace agenthost::observability {

// Every family an agent made, by name. Thread-safe.
class AgentFamilies {
 public:
  explicit AgentFamilies(prometheus::Registry& registry) : registry_(registry) {}

  prometheus::Family<prometheus::Counter>& counter(const std::string& name, const std::string& help);
  prometheus::Family<prometheus::Gauge>& gauge(const std::string& name, const std::string& help);
  prometheus::Family<prometheus::Histogram>& histogram(const std::string& name,
                                                       const std::string& help);

  // The series of `agent` in every family, as a scrape sees them (families without one are
  // left out): what an isolated agent's child sends its host (agenthost.metrics).
  std::vector<prometheus::MetricFamily> collect(std::string_view agent);

 private:
  using AnyFamily = std::variant<prometheus::Family<prometheus::Counter>*,
                                 prometheus::Family<prometheus::Gauge>*,
                                 prometheus::Family<prometheus::Histogram>*>;
  struct Entry {
    AnyFamily family;
    std::string help;
  };
  template <class Metric, class Builder>
  prometheus::Family<Metric>& find_or_make(const std::string& name, const std::string& help,
                                           const char* type, Builder builder);

  prometheus::Registry& registry_;
  std::mutex mu_;
  std::map<std::string, Entry, std::less<>> families_;  // guarded by mu_
};

// A name an agent may give its own family: valid for Prometheus and not one of the host's.
bool is_agent_family_name(std::string_view name);

// One agent's view: its label is added to every series.
class AgentMetrics final : public Metrics {
 public:
  AgentMetrics(AgentFamilies& families, std::string agent)
      : families_(families), agent_(std::move(agent)) {}

  prometheus::Counter& counter(const std::string& name, const std::string& help,
                               const prometheus::Labels& labels) override;
  prometheus::Gauge& gauge(const std::string& name, const std::string& help,
                           const prometheus::Labels& labels) override;
  prometheus::Histogram& histogram(const std::string& name, const std::string& help,
                                   const prometheus::Histogram::BucketBoundaries& buckets,
                                   const prometheus::Labels& labels) override;

 private:
  prometheus::Labels with_agent(const prometheus::Labels& labels) const;

  AgentFamilies& families_;
  const std::string agent_;
};

}  // namespace agenthost::observability
