#include "agenthost_calls.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "../free_port.hpp"
#include "allowed_cpus.hpp"
#include "child_processes.hpp"
#include "messaging/agent_client.hpp"
#include "messaging/messaging_host.hpp"
#include "messaging/curve_security.hpp"
#include "observability/host_metrics.hpp"
#include "security/curve_key.hpp"

namespace agenthost::bench {
namespace {

using namespace std::chrono_literals;
using messaging::AgentClient;
using messaging::MessagingHost;
using messaging::MessagingOptions;

// Every measured loop gives up after this long, whatever its count.
constexpr auto kLoopBudget = 20s;
// Blocks of each kind when a cross-host call is measured in turns with raw tcp.
constexpr std::size_t kInterleavedBlocks = 20;

MessagingOptions options_for(const std::string& machine) {
  MessagingOptions options;
  options.machine = machine;
  options.workers = 2;
  return options;
}

// A host with agent B serving `echo`, ready; its requests counted in `metrics` if given.
void serve_echo(MessagingHost& host, observability::HostMetrics* metrics = nullptr) {
  auto b = host.endpoint("B", 1);
  if (metrics != nullptr) b->set_observer(metrics->requests().observer_for("B"));
  b->serve("echo", [](Request& r) { return std::move(r.payload); });
  host.agent_ready("B");
}

LatencyResult measure(const RoundTripPlan& plan, Client& client) {
  return measure_round_trips(plan, [&] {
    auto result = client.call("echo", std::string(kBenchPayload), plan.reply_timeout);
    if (!result.ok()) throw std::runtime_error("call failed: " + result.error);
  });
}

}  // namespace

LatencyResult in_host_sync(const RoundTripPlan& plan) {
  MessagingHost host(options_for("bench"));
  if (auto error = host.start()) throw std::runtime_error(*error);
  serve_echo(host);
  AgentClient a(host, "A", "B");
  return measure(plan, a);
}

namespace {

// User and system time of every thread of this process so far.
double process_cpu_seconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) { return double(t.tv_sec) + double(t.tv_usec) * 1e-6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// Runs `calls` asynchronous calls from one caller per core to B, each keeping `window` in
// flight; returns the seconds they took.
double async_calls_seconds(MessagingHost& host, std::size_t calls, std::size_t window) {
  const std::size_t callers = std::max(2u, std::thread::hardware_concurrency());
  const std::size_t per_caller = calls / callers;
  std::atomic<std::size_t> failed{0};
  auto caller = [&](std::size_t index) {
    AgentClient client(host, fmt::format("A{}", index), "B");
    std::mutex mu;
    std::condition_variable cv;
    std::size_t in_flight = 0, done = 0;
    const auto give_up = Clock::now() + kLoopBudget;
    for (std::size_t sent = 0; sent < per_caller && Clock::now() < give_up; ++sent) {
      {
        std::unique_lock lock(mu);
        cv.wait_until(lock, give_up, [&] { return in_flight < window; });
        ++in_flight;
      }
      client.call_async("echo", std::string(kBenchPayload), 1s, [&](CallResult result) {
        if (!result.ok()) failed.fetch_add(1);
        std::lock_guard lock(mu);
        --in_flight;
        ++done;
        cv.notify_one();
      });
    }
    std::unique_lock lock(mu);
    cv.wait_until(lock, give_up, [&] { return in_flight == 0; });
  };
  const auto begin = Clock::now();
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < callers; ++i) threads.emplace_back(caller, i);
  for (auto& t : threads) t.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - begin).count();
  if (failed.load() > 0) throw std::runtime_error(fmt::format("{} async calls failed", failed.load()));
  return seconds * double(calls) / double(per_caller * callers);
}

}  // namespace

double in_host_async_calls_per_s(std::size_t calls, std::size_t window, bool with_metrics) {
  observability::HostMetrics metrics;
  MessagingHost host(options_for("bench"));
  if (auto error = host.start()) throw std::runtime_error(*error);
  serve_echo(host, with_metrics ? &metrics : nullptr);
  async_calls_seconds(host, calls / 8, window);  // warm-up: threads and caches
  return double(calls) / async_calls_seconds(host, calls, window);
}

double instrumentation_ns_per_call(std::size_t calls, std::size_t threads) {
  observability::HostMetrics metrics;
  const auto observer = metrics.requests().observer_for("B");
  const std::string method = "echo";  // as the endpoint passes it: a view of one string
  std::atomic<std::int64_t> sink{0};
  // A request reads the clock once either way (its deadline check, the handler's start);
  // with metrics it reads it again at the end and counts.
  const auto off = [&] {
    std::int64_t local = 0;
    for (std::size_t i = 0; i < calls; ++i) local += Clock::now().time_since_epoch().count();
    sink += local;
  };
  const auto on = [&] {
    for (std::size_t i = 0; i < calls; ++i) {
      const auto began = Clock::now();
      observer->observe(method, 200, Clock::now() - began);
    }
  };
  const auto cpu_ns_per_call = [&](const std::function<void()>& loop) {
    loop();  // warm-up
    const double cpu_before = process_cpu_seconds();
    std::vector<std::thread> running;
    for (std::size_t t = 0; t < threads; ++t) running.emplace_back(loop);
    for (auto& t : running) t.join();
    return (process_cpu_seconds() - cpu_before) * 1e9 / double(calls * threads);
  };
  return cpu_ns_per_call(on) - cpu_ns_per_call(off);
}

MetricsOverhead metrics_overhead(std::size_t slices, std::size_t calls_per_slice, std::size_t window, bool placebo) {
  // Counts nothing: switching it on and off measures what switching alone does to the figure.
  struct Placebo final : messaging::RequestObserver {
    void observe(std::string_view, int, std::chrono::nanoseconds) noexcept override {}
  };
  observability::HostMetrics metrics;
  MessagingHost host(options_for("bench"));
  if (auto error = host.start()) throw std::runtime_error(*error);
  serve_echo(host);
  auto b = host.find_endpoint("B");
  std::shared_ptr<messaging::RequestObserver> observer = metrics.requests().observer_for("B");
  if (placebo) observer = std::make_shared<Placebo>();
  async_calls_seconds(host, calls_per_slice, window);  // warm-up: threads and caches
  MetricsOverhead result;
  std::vector<double> pair_ratios;
  double first_of_pair = 0;
  for (std::size_t slice = 0; slice < slices; ++slice) {
    // off on | on off | off on | ...: each pair of slices has one of each, and a drift in the
    // machine's speed hits both alike.
    const bool on = (slice % 4 == 1) || (slice % 4 == 2);
    b->set_observer(on ? observer : nullptr);  // between slices: no call is in flight
    const double cpu_before = process_cpu_seconds();
    const double seconds = async_calls_seconds(host, calls_per_slice, window);
    (on ? result.on_cpu_seconds : result.off_cpu_seconds) += process_cpu_seconds() - cpu_before;
    (on ? result.on_seconds : result.off_seconds) += seconds;
    if (slice % 2 == 0) {
      first_of_pair = seconds;
    } else {  // on/off throughput = off time / on time
      pair_ratios.push_back(on ? first_of_pair / seconds : seconds / first_of_pair);
    }
  }
  std::sort(pair_ratios.begin(), pair_ratios.end());
  result.median_pair_ratio = pair_ratios.empty() ? 0 : pair_ratios[pair_ratios.size() / 2];
  result.calls_each = calls_per_slice * (slices / 2);
  return result;
}

InterleavedResult cross_host_sync(const RoundTripPlan& plan, const std::string& agenthost_bin,
                                  const std::string& plugin_dir, CrossHost variant) {
  // The serving host: a real agenthost process with one echo agent on an ephemeral port.
  const auto dir = std::filesystem::temp_directory_path() / fmt::format("ah-bench-{}", ::getpid());
  std::filesystem::create_directories(dir);
  // Asked of the kernel: a fixed port could be one an earlier section's connection still holds.
  const int port = free_loopback_port();
  if (port < 0) throw std::runtime_error("no free tcp port on 127.0.0.1");
  std::shared_ptr<const messaging::CurveSettings> curve;
  std::string host_keys, agent_keys;
  if (variant == CrossHost::curve) {
    // One cluster key: the server serves with it, this client calls with it.
    const auto pair = security::generate_key_pair();
    const auto key_file = dir / "cluster.key_secret";
    {
      std::ofstream out(key_file);
      out << security::secret_certificate_text(pair, "bench");
    }
    std::filesystem::permissions(key_file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    host_keys = fmt::format("  curve: {{ server_key: \"{}\" }}\n", key_file.string());
    curve = std::make_shared<const messaging::CurveSettings>(messaging::CurveSettings{pair, pair, ""});
  }
  if (variant == CrossHost::isolated) agent_keys = ", isolation: process";
  if (variant == CrossHost::pinned || variant == CrossHost::pinned_apart)
    host_keys = fmt::format("  sockets_cpu: {}\n", last_allowed_cpu());
  {
    std::ofstream config(dir / "server.yaml");
    config << fmt::format(
        "host:\n  name: server\n  plugin_dirs: [\"{}\"]\n  bind: 127.0.0.1\n  workers: 1\n{}"
        "agents:\n  - {{ name: B, plugin: echo, port: {}{} }}\n",
        plugin_dir, host_keys, port, agent_keys);
  }
  ChildProcesses server;
  server.spawn({agenthost_bin, "run", "--config", (dir / "server.yaml").string(), "--log-level",
                "warn"});
  // The host logs to stderr; readiness is a health request answering "ready".
  auto client_options = options_for("client");
  client_options.curve = curve;
  // Each host on a CPU of its own, as on two machines (on one CPU together they wait for
  // each other: README, "Messaging").
  if (variant == CrossHost::pinned_apart) client_options.sockets_cpu = first_allowed_cpu();
  MessagingHost client_host(client_options);
  if (auto error = client_host.start()) throw std::runtime_error(*error);
  client_host.registry().replace_machine(
      "server", {{"B", "server", fmt::format("tcp://127.0.0.1:{}", port), true}});
  AgentClient a(client_host, "A", "B");
  const auto until = Clock::now() + 10s;
  while (!a.call("echo", "up?", 200ms).ok()) {
    if (Clock::now() > until) throw std::runtime_error("the serving agenthost did not come up");
    std::this_thread::sleep_for(20ms);
  }
  ReqRepPair raw("tcp://127.0.0.1:*", plan.reply_timeout);
  const std::string payload(kBenchPayload);
  auto result = interleave_round_trips(
      plan, kInterleavedBlocks,
      [&] {
        auto reply = a.call("echo", payload, plan.reply_timeout);
        if (!reply.ok()) throw std::runtime_error("call failed: " + reply.error);
      },
      [&] { raw.round_trip(); });
  server.stop(3s);
  std::filesystem::remove_all(dir);
  return result;
}

}  // namespace agenthost::bench
