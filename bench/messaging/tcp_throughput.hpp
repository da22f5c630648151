#pragma once
// Calls per second through one agenthost process over tcp, with asynchronous callers: what
// host.sockets_cpu gives or costs once the socket threads are busy. Its latency gain is
// measured by the cross-host sections; this is the other side of the trade.

#include <cstddef>
#include <string>

namespace agenthost::bench {

struct TcpThroughput {
  double echo_calls_per_s = 0;  // `echo`, 2 callers × 16 in flight, one per agent
  double spin_calls_per_s = 0;  // `spin` 300 µs (handlers that need the CPU), 2 callers × 4
};

// A real `agenthost` process with two echo agents on tcp, with or without `host.sockets_cpu`
// (the last CPU this process may use); `calls` echo calls and calls / 20 spin calls in all.
TcpThroughput tcp_throughput(const std::string& agenthost_bin, const std::string& plugin_dir,
                             bool pinned, std::size_t calls);

}  // namespace agenthost::bench
