#pragma once
// host.sockets_cpu: ZeroMQ's I/O thread and the socket threads on one CPU. A request that
// comes in over tcp wakes the socket thread from the I/O thread, and its reply wakes the I/O
// thread again; when the woken thread's CPU is idle, each wake-up is an interrupt to a halted
// CPU, which in a VM costs ~10 µs (README, "Messaging": a cross-host call's p50 about a
// seventh shorter). On one CPU the woken thread runs as soon as its waker waits. The price:
// those threads cannot spread over the CPUs, and handlers that need the CPU lose about a
// third of their throughput (bench/messaging, `tcp_throughput`).

#include <optional>
#include <string>
#include <vector>

namespace agenthost::messaging {

// The CPUs this process may run on (sched_getaffinity), ascending; empty when the kernel
// does not say.
std::vector<int> allowed_cpus();

// nullopt when this process may run on `cpu`; else why not.
std::optional<std::string> cpu_unusable(int cpu);

// Pins the calling thread to `cpu`; an error text when the kernel refuses.
std::optional<std::string> pin_this_thread(int cpu);

}  // namespace agenthost::messaging
