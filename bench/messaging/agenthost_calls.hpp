#pragma once
// agenthost's own request paths, measured with the host's real messaging classes: an agent
// calling another agent of the same host (the in-host fast path, synchronous and with
// asynchronous callers), and an agent calling an agent of another agenthost process over tcp.

#include <cstddef>
#include <string>

#include "latency_stats.hpp"
#include "raw_baselines.hpp"

namespace agenthost::bench {

// Sequential synchronous calls from agent A to agent B in one host.
LatencyResult in_host_sync(const RoundTripPlan& plan);

// Asynchronous callers (one per core) keep `window` calls each in flight to B; returns
// completed calls per second over `calls` calls in all. `with_metrics`: B's requests are
// counted as the host counts every agent's (agent_requests_total, the duration histogram).
double in_host_async_calls_per_s(std::size_t calls, std::size_t window, bool with_metrics = true);

// Sequential synchronous calls from an agent of this process to an echo agent of a real
// `agenthost` process (started from `agenthost_bin` with plugins from `plugin_dir`) over tcp
// on 127.0.0.1.
LatencyResult cross_host_sync(const RoundTripPlan& plan, const std::string& agenthost_bin,
                              const std::string& plugin_dir);

}  // namespace agenthost::bench
