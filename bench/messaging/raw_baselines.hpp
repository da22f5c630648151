#pragma once
// The latency baselines agenthost's calls are measured against, each a run of sequential
// REQ/REP round trips with the same small payload:
//   raw_inproc  cppzmq REQ -> REP between two threads of one process (one context)
//   raw_tcp     cppzmq REQ -> REP between two threads over tcp on 127.0.0.1
//   python_tcp  the seed's status quo: a pyzmq REQ client process -> a pyzmq REP server
//               process over tcp on loopback
// The raw ones are the floor a host cannot beat with sockets; python_tcp is what it replaces.

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "latency_stats.hpp"

namespace agenthost::bench {

struct RoundTripPlan {
  int warmup = 1000;  // round trips before measuring: connections, caches, allocator
  int count = 10000;  // measured round trips
  // The whole run (warm-up included) stops here even when `count` is not reached; the result
  // then says how many round trips it measured.
  std::chrono::seconds time_limit{20};
  // A single round trip slower than this fails the run (the peer is stuck or gone).
  std::chrono::milliseconds reply_timeout{2000};
};

// What every round trip sends — the agenthost measurements should send the same bytes.
inline constexpr std::string_view kBenchPayload =
    R"({"op":"echo","seq":12345,"data":"0123456789abcdef"})";

// Warm-up, then `plan.count` timed calls of `round_trip` (each bounded by plan.time_limit in
// all). Each sample runs from the end of the previous round trip to the end of this one, so
// the samples add up to the measured wall time exactly.
template <class RoundTrip>
LatencyResult measure_round_trips(const RoundTripPlan& plan, RoundTrip&& round_trip) {
  using Clock = std::chrono::steady_clock;
  const auto give_up = Clock::now() + plan.time_limit;
  for (int i = 0; i < plan.warmup && Clock::now() < give_up; ++i) round_trip();
  std::vector<std::chrono::nanoseconds> samples;
  samples.reserve(static_cast<std::size_t>(plan.count));
  const auto start = Clock::now();
  auto before = start;
  for (int i = 0; i < plan.count && before < give_up; ++i) {
    round_trip();
    const auto after = Clock::now();
    samples.push_back(after - before);
    before = after;
  }
  return summarize(std::move(samples), before - start);
}

// The raw REQ -> REP pair between two threads of this process (one context), the REP bound
// on `bind_to` ("inproc://..." or "tcp://127.0.0.1:*"): raw_inproc and raw_tcp, and the
// baseline measured in turns with another path (interleaved.hpp). round_trip() throws when
// no reply comes in time.
class ReqRepPair {
 public:
  ReqRepPair(const std::string& bind_to, std::chrono::milliseconds reply_timeout);
  ~ReqRepPair();
  ReqRepPair(const ReqRepPair&) = delete;
  ReqRepPair& operator=(const ReqRepPair&) = delete;
  void round_trip();

 private:
  struct Ends;
  std::unique_ptr<Ends> ends_;
};

// Each throws std::runtime_error when a round trip times out or a helper process fails.
LatencyResult raw_inproc_round_trips(const RoundTripPlan& plan);
LatencyResult raw_tcp_round_trips(const RoundTripPlan& plan);
// The same over tcp between two processes, each with its own context and I/O thread (the
// topology of two hosts): a REQ socket here, bench_minimal_zmq_process (a ROUTER answering
// AH1 in its own poll loop) there.
LatencyResult raw_tcp_two_processes_round_trips(const RoundTripPlan& plan,
                                                const std::string& server_bin);

// `python` is an interpreter with pyzmq; `script_dir` holds py_rep_server.py and
// py_req_client.py.
LatencyResult python_tcp_round_trips(const RoundTripPlan& plan, const std::string& python,
                                     const std::string& script_dir);

}  // namespace agenthost::bench
