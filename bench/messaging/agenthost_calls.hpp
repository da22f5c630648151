#pragma once
// agenthost's own request paths, measured with the host's real messaging classes: an agent
// calling another agent of the same host (the in-host fast path, synchronous and with
// asynchronous callers), and an agent calling an agent of another agenthost process over tcp.

#include <cstddef>
#include <string>

#include "interleaved.hpp"
#include "latency_stats.hpp"
#include "raw_baselines.hpp"

namespace agenthost::bench {

// Sequential synchronous calls from agent A to agent B in one host.
LatencyResult in_host_sync(const RoundTripPlan& plan);

// Asynchronous callers (one per core) keep `window` calls each in flight to B; returns
// completed calls per second over `calls` calls in all. `with_metrics`: B's requests are
// counted as the host counts every agent's (agent_requests_total, the duration histogram).
double in_host_async_calls_per_s(std::size_t calls, std::size_t window, bool with_metrics = true);

// The request metrics' cost, measured in one host: `slices` runs of `calls_per_slice`
// asynchronous calls to B, with B's request metrics off and on in turns (off on on off ...),
// the observer switched between slices. With `placebo` the observer "on" counts nothing: the
// noise floor of the same measurement.
struct MetricsOverhead {
  double off_seconds = 0, on_seconds = 0;  // summed over the slices of each
  double off_cpu_seconds = 0, on_cpu_seconds = 0;  // the process's CPU time (every thread) in them
  std::size_t calls_each = 0;              // calls made with metrics off, and as many on
  double median_pair_ratio = 0;            // on/off throughput of neighbouring slices, median
  double ratio() const { return off_seconds / on_seconds; }  // on/off throughput, all slices
};
MetricsOverhead metrics_overhead(std::size_t slices, std::size_t calls_per_slice, std::size_t window,
                                 bool placebo = false);

// What metrics add to one request, in CPU nanoseconds: the handler's end read from the clock
// and the observer's counting, `calls` times on each of `threads` threads counting into the
// same series at once (more sharing than one agent's requests ever cause: they run one at a
// time unless it sets `concurrency`).
double instrumentation_ns_per_call(std::size_t calls, std::size_t threads);

// How the serving agenthost of cross_host_sync() runs its echo agent: in its process over
// plain tcp; isolated (`isolation: process`: one more hop, over ipc, to the agent's child);
// with ZeroMQ CURVE on the tcp link (this client calls with the cluster's key); or plain with
// `host.sockets_cpu` set to the last CPU this process may use; or that, and the calling host
// (this process's) pinned to the first.
enum class CrossHost { plain, isolated, curve, pinned, pinned_apart };

// Sequential synchronous calls from an agent of this process to an echo agent of a real
// `agenthost` process (started from `agenthost_bin` with plugins from `plugin_dir`) over tcp
// on 127.0.0.1, in alternating blocks with raw tcp round trips (ReqRepPair on tcp) in this process:
// the baseline from the same moments.
InterleavedResult cross_host_sync(const RoundTripPlan& plan, const std::string& agenthost_bin,
                                  const std::string& plugin_dir, CrossHost variant = CrossHost::plain);

}  // namespace agenthost::bench
