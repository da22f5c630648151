// bench_messaging: request latency and memory of ZeroMQ messaging, as the baselines that
// agenthost's calls and its 84-agent host are compared against.
//
//   bench_messaging [--quick] [--only=SECTION,SECTION...]
//
// Sections: raw_inproc, raw_tcp, python_tcp, memory_cpp, memory_python (default: all).
// --quick makes a tenth of the round trips, for a smoke run.
// Environment: AGENTHOST_BENCH_PYTHON, a Python 3 with pyzmq for the Python sections
// (default: the one found when the bench was configured).
//
// Prints `RESULT <key> <value> <unit>` lines on stdout, progress and failures on stderr. A
// failing section does not stop the others; the exit code is 1 when any failed, 2 on a usage
// error, else 0.

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "latency_stats.hpp"
#include "process_memory.hpp"
#include "agenthost_calls.hpp"
#include "tcp_throughput.hpp"
#include "agenthost_memory.hpp"
#include "raw_baselines.hpp"

using namespace agenthost::bench;

namespace {

// The seed's system: 58 agents on main_pc and 26 on pc2, each its own process today.
constexpr int kAgents = 84;
constexpr auto kMemoryTimeout = std::chrono::seconds(120);

const std::set<std::string, std::less<>> kSections = {
    "raw_inproc",       "raw_tcp",  "raw_tcp_2proc",   "python_tcp",        "memory_cpp",
    "memory_python",    "host_inproc", "host_async",   "metrics_overhead",  "host_tcp",
    "host_tcp_pinned",  "host_tcp_pinned_apart", "tcp_throughput", "host_tcp_isolated",
    "host_tcp_curve",   "host_memory", "host_per_agent"};

struct Options {
  bool quick = false;
  std::set<std::string, std::less<>> only;  // empty: every section
  std::string python = AGENTHOST_BENCH_PYTHON;

  bool wants(std::string_view section) const { return only.empty() || only.contains(section); }

  // The full plan, or a tenth of it with --quick.
  RoundTripPlan plan(int warmup, int count) const {
    const int divisor = quick ? 10 : 1;
    return RoundTripPlan{.warmup = warmup / divisor, .count = count / divisor};
  }
};

[[noreturn]] void usage(const std::string& problem) {
  fmt::print(stderr,
             "bench_messaging: {}\n"
             "usage: bench_messaging [--quick] [--only=SECTION,...]\n"
             "sections: {}\n",
             problem, fmt::join(kSections, ", "));
  std::exit(2);
}

Options parse_options(int argc, char** argv) {
  Options options;
  if (const char* python = std::getenv("AGENTHOST_BENCH_PYTHON"); python && *python) {
    options.python = python;
  }
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--quick") {
      options.quick = true;
    } else if (arg.starts_with("--only=")) {
      std::string_view list = arg.substr(7);
      while (!list.empty()) {
        const auto comma = list.find(',');
        const auto section = list.substr(0, comma);
        if (!kSections.contains(section)) usage(fmt::format("unknown section '{}'", section));
        options.only.emplace(section);
        list = comma == std::string_view::npos ? "" : list.substr(comma + 1);
      }
    } else {
      usage(fmt::format("unknown argument '{}'", arg));
    }
  }
  return options;
}

// --- output: every figure is one line `RESULT <key> <value> <unit>` ---

void print_result(std::string_view key, double value, std::string_view unit, int decimals) {
  fmt::print("RESULT {} {:.{}f} {}\n", key, value, decimals, unit);
  std::fflush(stdout);
}

void print_latency(std::string_view key, const LatencyResult& result) {
  print_result(fmt::format("{}_p50", key), result.p50_us, "us", 2);
  print_result(fmt::format("{}_p99", key), result.p99_us, "us", 2);
  print_result(fmt::format("{}_calls_per_s", key), result.calls_per_s, "calls/s", 0);
}

void print_memory(std::string_view key, const MemoryResult& result) {
  print_result(key, result.total_mib, "MiB", 2);
}

// `numerator / denominator` as "x": e.g. host_inproc_p50 / raw_inproc_p50.
[[maybe_unused]] void print_ratio(std::string_view key, double numerator, double denominator) {
  if (denominator > 0) print_result(key, numerator / denominator, "x", 2);
}

void report_round_trips(std::string_view key, const LatencyResult& result,
                        const RoundTripPlan& plan) {
  fmt::print(stderr, "{}: {} round trips{}\n", key, result.round_trips,
             result.round_trips < static_cast<std::size_t>(plan.count)
                 ? fmt::format(" (of {} planned: stopped at the {} s limit)", plan.count,
                               plan.time_limit.count())
                 : "");
}

// Runs the sections the options ask for; a section that throws is reported on stderr and
// the run goes on with the next one.
class SectionRunner {
 public:
  explicit SectionRunner(const Options& options) : options_(options) {}

  template <typename Body>
  void operator()(std::string_view section, Body&& body) {
    if (!options_.wants(section)) return;
    fmt::print(stderr, "{}: running\n", section);
    try {
      std::forward<Body>(body)();
    } catch (const std::exception& error) {
      fmt::print(stderr, "{}: FAILED: {}\n", section, error.what());
      failed_ = true;
    }
  }

  bool failed() const noexcept { return failed_; }

 private:
  const Options& options_;
  bool failed_ = false;
};

// What the baselines measured, for the ratios printed after the agenthost figures.
struct Baselines {
  std::optional<LatencyResult> raw_inproc;
  std::optional<LatencyResult> raw_tcp;
  std::optional<LatencyResult> raw_tcp_2proc;
  std::optional<LatencyResult> python_tcp;
  std::optional<MemoryResult> memory_cpp;
  std::optional<MemoryResult> memory_python;
};

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse_options(argc, argv);
  SectionRunner run(options);
  Baselines base;

  const auto latency_section = [&](std::string_view key, const RoundTripPlan& plan,
                                   std::optional<LatencyResult>& slot, auto measure) {
    run(key, [&] {
      slot = measure(plan);
      report_round_trips(key, *slot, plan);
      print_latency(key, *slot);
    });
  };
  latency_section("raw_inproc", options.plan(1000, 20000), base.raw_inproc,
                  raw_inproc_round_trips);
  latency_section("raw_tcp", options.plan(1000, 10000), base.raw_tcp, raw_tcp_round_trips);
  latency_section("raw_tcp_2proc", options.plan(1000, 10000), base.raw_tcp_2proc,
                  [](const RoundTripPlan& plan) {
                    return raw_tcp_two_processes_round_trips(plan, AGENTHOST_BENCH_MINIMAL_PROCESS);
                  });
  latency_section("python_tcp", options.plan(500, 5000), base.python_tcp,
                  [&](const RoundTripPlan& plan) {
                    return python_tcp_round_trips(plan, options.python,
                                                  AGENTHOST_BENCH_SCRIPT_DIR);
                  });

  run("memory_cpp", [&] {
    base.memory_cpp =
        measure_process_memory({AGENTHOST_BENCH_MINIMAL_PROCESS}, kAgents, kMemoryTimeout);
    print_memory("memory_84_cpp_processes", *base.memory_cpp);
  });
  run("memory_python", [&] {
    base.memory_python = measure_process_memory(
        {options.python, AGENTHOST_BENCH_SCRIPT_DIR "/py_minimal_agent.py"}, kAgents,
        kMemoryTimeout);
    print_memory("memory_84_python_processes", *base.memory_python);
  });

  // ---- agenthost, each figure beside its baseline from this same run ----
  std::optional<LatencyResult> host_inproc;
  latency_section("host_inproc", options.plan(1000, 20000), host_inproc, in_host_sync);
  if (host_inproc && base.raw_inproc) {
    print_ratio("host_inproc_p50_vs_raw_inproc", host_inproc->p50_us, base.raw_inproc->p50_us);
  }
  run("host_async", [&] {
    const double rate = in_host_async_calls_per_s(options.quick ? 50'000 : 1'000'000, 256);
    print_result("host_async_calls_per_s", rate, "calls/s", 0);
    if (base.raw_inproc) {
      print_ratio("host_async_vs_raw_inproc_calls", rate, base.raw_inproc->calls_per_s);
    }
  });
  run("metrics_overhead", [&] {
    // Request metrics off and on in one host, in 40 alternating slices of 50,000 calls (off
    // on | on off | ...), the observer switched between slices: the machine's drift and the
    // threads' placement hit both alike, which separate runs (a host each) did not manage on
    // this noisy VM (their ratios spread 0.86-1.42x).
    const std::size_t per_slice = options.quick ? 10'000 : 50'000;
    const std::size_t slices = options.quick ? 8 : 40;
    const auto m = metrics_overhead(slices, per_slice, 256);
    print_result("host_async_metrics_off_calls_per_s", double(m.calls_each) / m.off_seconds, "calls/s", 0);
    print_result("host_async_metrics_on_calls_per_s", double(m.calls_each) / m.on_seconds, "calls/s", 0);
    print_result("metrics_on_vs_off_calls", m.ratio(), "x", 3);
    print_result("metrics_on_vs_off_calls_median_pair", m.median_pair_ratio, "x", 3);
    print_result("metrics_on_vs_off_cpu_per_call", m.on_cpu_seconds / m.off_cpu_seconds, "x", 3);
    // The same A/B with an observer that counts nothing: how far this bench moves by itself.
    const auto placebo = metrics_overhead(slices, per_slice, 256, /*placebo=*/true);
    print_result("placebo_on_vs_off_calls", placebo.ratio(), "x", 3);
    // The same cost taken apart, steadier than the A/B above: the CPU time metrics add to a
    // request, against the CPU time a request takes with them off (every thread of the
    // process: callers, workers, ZeroMQ). The machine is saturated by these calls, so
    // throughput falls by that share.
    const double call_cpu_ns = m.off_cpu_seconds * 1e9 / double(m.calls_each);
    const double added_ns = instrumentation_ns_per_call(options.quick ? 200'000 : 2'000'000, 2);
    print_result("in_host_async_call_cpu_ns", call_cpu_ns, "ns", 0);
    print_result("metrics_added_cpu_ns_per_call", added_ns, "ns", 2);
    print_result("metrics_cost_share_of_call", added_ns / call_cpu_ns, "x", 4);
  });
  // Across two hosts: each variant measured in turns with raw tcp in this process (blocks of
  // each, interleaved.hpp), its ratio taken from the same moments.
  const auto cross_host_section = [&](std::string_view key, CrossHost variant,
                                      std::optional<LatencyResult>& slot) {
    run(key, [&] {
      const auto plan = options.plan(1000, 10000);
      const auto both = cross_host_sync(plan, AGENTHOST_BENCH_HOST_BIN, AGENTHOST_BENCH_PLUGIN_DIR, variant);
      slot = both.subject;
      report_round_trips(key, both.subject, plan);
      print_latency(key, both.subject);
      print_result(fmt::format("{}_raw_tcp_interleaved_p50", key), both.baseline.p50_us, "us", 2);
      print_ratio(fmt::format("{}_p50_vs_raw_tcp", key), both.subject.p50_us, both.baseline.p50_us);
      print_result(fmt::format("{}_p50_vs_raw_tcp_median_block", key), both.median_block_ratio, "x", 2);
      print_result(fmt::format("{}_caller_cpu_per_call", key), both.subject_caller_cpu_us, "us", 2);
      print_result(fmt::format("{}_raw_tcp_caller_cpu_per_call", key), both.baseline_caller_cpu_us, "us", 2);
    });
  };
  std::optional<LatencyResult> host_tcp;
  cross_host_section("host_tcp", CrossHost::plain, host_tcp);
  if (host_tcp && base.raw_tcp_2proc) {
    print_ratio("host_tcp_p50_vs_raw_tcp_2proc", host_tcp->p50_us, base.raw_tcp_2proc->p50_us);
  }
  if (host_tcp && base.python_tcp) {
    print_ratio("host_tcp_p50_vs_python_tcp", host_tcp->p50_us, base.python_tcp->p50_us);
  }
  // A variant of the cross-host call, and its p50 beside the plain call's of this run.
  const auto cross_host_variant = [&](std::string_view key, CrossHost variant) {
    std::optional<LatencyResult> result;
    cross_host_section(key, variant, result);
    if (result && host_tcp)
      print_ratio(fmt::format("{}_p50_vs_host_tcp", key), result->p50_us, host_tcp->p50_us);
  };
  // The same call with the serving host's socket threads and ZeroMQ I/O thread on one CPU;
  // then both hosts pinned, each to a CPU of its own (the calling one to the first, the
  // serving one to the last), as two hosts on two machines would be.
  cross_host_variant("host_tcp_pinned", CrossHost::pinned);
  cross_host_variant("host_tcp_pinned_apart", CrossHost::pinned_apart);
  // The other side of pinning: calls per second through a serving host with asynchronous
  // callers, default and pinned in turns (two rounds each, the mean of each kind).
  run("tcp_throughput", [&] {
    const std::size_t calls = options.quick ? 6000 : 60000;
    constexpr int kRounds = 2;
    TcpThroughput free_mean, pinned_mean;
    for (int round = 0; round < kRounds; ++round) {
      for (const bool pinned : {false, true}) {
        const auto t = tcp_throughput(AGENTHOST_BENCH_HOST_BIN, AGENTHOST_BENCH_PLUGIN_DIR, pinned, calls);
        auto& mean = pinned ? pinned_mean : free_mean;
        mean.echo_calls_per_s += t.echo_calls_per_s / kRounds;
        mean.spin_calls_per_s += t.spin_calls_per_s / kRounds;
      }
    }
    print_result("tcp_throughput_echo_calls_per_s", free_mean.echo_calls_per_s, "calls/s", 0);
    print_result("tcp_throughput_echo_pinned_calls_per_s", pinned_mean.echo_calls_per_s, "calls/s", 0);
    print_ratio("tcp_throughput_echo_pinned_vs_default", pinned_mean.echo_calls_per_s, free_mean.echo_calls_per_s);
    print_result("tcp_throughput_spin_calls_per_s", free_mean.spin_calls_per_s, "calls/s", 0);
    print_result("tcp_throughput_spin_pinned_calls_per_s", pinned_mean.spin_calls_per_s, "calls/s", 0);
    print_ratio("tcp_throughput_spin_pinned_vs_default", pinned_mean.spin_calls_per_s, free_mean.spin_calls_per_s);
  });
  // What isolation and CURVE cost a call: the same call, B isolated in a child of the serving
  // host (one more hop, over ipc, each way), and over a CURVE link.
  cross_host_variant("host_tcp_isolated", CrossHost::isolated);
  cross_host_variant("host_tcp_curve", CrossHost::curve);

  const HostBinaries binaries{AGENTHOST_BENCH_HOST_BIN, AGENTHOST_BENCH_CTL_BIN,
                              AGENTHOST_BENCH_PLUGIN_DIR, AGENTHOST_BENCH_DEMO_CONFIG};
  run("host_memory", [&] {
    const double mib = double(demo_host_pss_kib(binaries)) / 1024.0;
    print_result("memory_host_84_agents", mib, "MiB", 2);
    if (base.memory_cpp) {
      print_ratio("memory_host_vs_84_cpp_processes", mib, base.memory_cpp->total_mib);
    }
    if (base.memory_python) {
      print_ratio("memory_host_vs_84_python_processes", mib, base.memory_python->total_mib);
    }
  });
  run("host_per_agent", [&] {
    print_result("memory_per_further_agent", per_agent_kib(binaries, options.quick ? 101 : 501),
                 "KiB", 2);
  });

  return run.failed() ? 1 : 0;
}
