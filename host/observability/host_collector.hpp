#pragma once
// The metrics that describe the host's view rather than count events, made at scrape time from
// a snapshot: nothing is kept per agent between scrapes, and the start-up path pays nothing.
//   agent_state{agent,state}             1 for the agent's state, 0 for the others
//   agent_health_status{agent,status}    1 for its last health (healthy|degraded|unhealthy)
//   agent_restarts_total{agent}
//   agent_start_duration_seconds{agent}  load + configure + start, once ready
//   agenthost_agents{state}              how many agents are in each state
//   agenthost_startup_seconds            from launch to `startup complete`
//   agenthost_plugins_loaded             plugin libraries loaded now
//   agenthost_info{version,machine}      1
//   agenthost_connection_pool_*          the shared socket pool
//   agenthost_socket_loop_*              the I/O loop's received and malformed requests

#include <functional>
#include <optional>
#include <vector>

#include <prometheus/client_metric.h>
#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>
#include <prometheus/metric_type.h>

#include "agenthost/sockets.hpp"
#include "messaging/socket_loop.hpp"
#include "runtime/host_snapshot.hpp"

namespace agenthost::observability {

struct HostView {
  std::function<runtime::HostSnapshot()> snapshot;
  std::function<std::size_t()> plugins_loaded;
  std::function<SocketPool::Counts()> pool;
  std::function<messaging::SocketLoopCounters()> socket_loop;
};

class HostCollector final : public prometheus::Collectable {
 public:
  explicit HostCollector(HostView view) : view_(std::move(view)) {}
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  HostView view_;
};

}  // namespace agenthost::observability
