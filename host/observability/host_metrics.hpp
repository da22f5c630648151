#pragma once
// The host's one Prometheus registry and what is in it: the request metrics of every agent,
// the agents' own metrics, and the view-derived metrics made at scrape time. /metrics on the
// admin listener serves exposition().

#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <prometheus/registry.h>

#include "observability/agent_metrics.hpp"
#include "observability/host_collector.hpp"
#include "observability/request_metrics.hpp"

namespace agenthost::observability {

class HostMetrics {
 public:
  HostMetrics();

  RequestMetrics& requests() { return requests_; }
  AgentFamilies& agent_families() { return agent_families_; }
  prometheus::Registry& registry() { return *registry_; }  // for the host's other parts' families

  // Scrape-time metrics of the host's view; set once, before the admin listener starts.
  void set_view(HostView view);

  // Where isolated agents' own families come from at scrape time (their children); set once,
  // before the admin listener starts. They join the host's families of the same name.
  using FamilySource = std::function<std::vector<prometheus::MetricFamily>()>;
  void set_children(FamilySource source) { children_ = std::move(source); }

  // The Prometheus text exposition (format 0.0.4) of everything. Any thread.
  std::string exposition() const;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  RequestMetrics requests_;
  AgentFamilies agent_families_;
  std::unique_ptr<HostCollector> view_;
  FamilySource children_;
  mutable std::mutex warned_mu_;
  mutable std::set<std::string> warned_;  // guarded by warned_mu_: families left out, logged once
};

}  // namespace agenthost::observability
