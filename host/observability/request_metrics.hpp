#pragma once
// The request metrics every agent gets without writing a line:
//   agent_requests_total{agent,method,status}     every request, by wire status (200, 404, ...)
//   agent_request_duration_seconds{agent,method}  time inside the handler (200 and 500)
//   agent_errors_total{agent,severity}            every error-bus event of the agent (host/errors/):
//                                                 handler and lifecycle exceptions, ctx.errors()
// A method the agent does not serve is counted as method="(unknown)": callers choose that
// text, and a label must not grow without bound. A process or isolated agent's methods are
// those its program answers (not 404), at most 256 per agent, then method="(other)".
//
// Counting is on every request's path, so it is lock-free: plain atomics per agent and
// method, found through a small cache keyed by the method string the endpoint hands over.
// They become Prometheus families at scrape time (a prometheus::Collectable). Measured in
// bench/messaging (metrics_overhead).

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "messaging/request_observer.hpp"

namespace agenthost::observability {

class RequestMetrics final : public prometheus::Collectable {
 public:
  explicit RequestMetrics(prometheus::Registry& registry);
  ~RequestMetrics() override;

  // The observer for one agent's endpoint: the same one for the same agent, so that a
  // restarted agent goes on counting in its series.
  std::shared_ptr<messaging::RequestObserver> observer_for(const std::string& agent);

  // agent_errors_total{agent,severity}: the error bus counts each event here.
  prometheus::Counter& errors(const std::string& agent, const std::string& severity);

  std::vector<prometheus::MetricFamily> Collect() const override;

  static constexpr std::string_view kUnknownMethod = "(unknown)";
  // Past 256 methods of one agent (a process agent's callers name them), the rest.
  static constexpr std::string_view kOtherMethods = "(other)";

 private:
  class AgentObserver;

  prometheus::Family<prometheus::Counter>& errors_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<AgentObserver>, std::less<>> observers_;  // guarded
};

// Handler-time buckets: from a fast in-host call (a few us) to a slow model call (10 s).
const std::vector<double>& request_duration_buckets();

}  // namespace agenthost::observability
