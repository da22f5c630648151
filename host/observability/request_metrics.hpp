#pragma once
// The request metrics every agent gets without writing a line, in the host's registry:
//   agent_requests_total{agent,method,status}     every request, by wire status (200, 404, ...)
//   agent_request_duration_seconds{agent,method}  time inside the handler (200 and 500)
//   agent_errors_total{agent,severity}            handler exceptions count as severity="error"
// A method the agent does not serve is counted as method="(unknown)": callers choose that
// text, and a label must not grow without bound.

#include <memory>
#include <string>
#include <string_view>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "messaging/request_observer.hpp"

namespace agenthost::observability {

class RequestMetrics {
 public:
  explicit RequestMetrics(prometheus::Registry& registry);

  // The observer for one agent's endpoint. Series are made on first use and then held:
  // looking one up in prometheus-cpp costs ~0.2 us, a held one ~12 ns.
  std::shared_ptr<messaging::RequestObserver> observer_for(const std::string& agent);

  // agent_errors_total{agent,severity}: also counted for lifecycle failures by the host.
  prometheus::Counter& errors(const std::string& agent, const std::string& severity);

  static constexpr std::string_view kUnknownMethod = "(unknown)";

 private:
  class AgentObserver;

  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& durations_;
  prometheus::Family<prometheus::Counter>& errors_;
};

// Handler-time buckets: from a fast in-host call (a few us) to a slow model call (10 s).
const prometheus::Histogram::BucketBoundaries& request_duration_buckets();

}  // namespace agenthost::observability
