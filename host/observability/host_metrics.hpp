#pragma once
// The host's one Prometheus registry and what is in it: the request metrics of every agent,
// the agents' own metrics, and the view-derived metrics made at scrape time. /metrics on the
// admin listener serves exposition().

#include <memory>
#include <string>

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

  // The Prometheus text exposition (format 0.0.4) of everything. Any thread.
  std::string exposition() const;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  RequestMetrics requests_;
  AgentFamilies agent_families_;
  std::unique_ptr<HostCollector> view_;
};

}  // namespace agenthost::observability
