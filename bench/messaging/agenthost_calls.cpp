#include "agenthost_calls.hpp"

#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "child_processes.hpp"
#include "messaging/agent_client.hpp"
#include "messaging/messaging_host.hpp"
#include "observability/host_metrics.hpp"

namespace agenthost::bench {
namespace {

using namespace std::chrono_literals;
using messaging::AgentClient;
using messaging::MessagingHost;
using messaging::MessagingOptions;

// Every measured loop gives up after this long, whatever its count.
constexpr auto kLoopBudget = 20s;

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

double in_host_async_calls_per_s(std::size_t calls, std::size_t window, bool with_metrics) {
  observability::HostMetrics metrics;
  MessagingHost host(options_for("bench"));
  if (auto error = host.start()) throw std::runtime_error(*error);
  serve_echo(host, with_metrics ? &metrics : nullptr);

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
  // Warm-up: threads and caches.
  caller(0);
  const auto begin = Clock::now();
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < callers; ++i) threads.emplace_back(caller, i);
  for (auto& t : threads) t.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - begin).count();
  if (failed.load() > 0) throw std::runtime_error(fmt::format("{} async calls failed", failed.load()));
  return double(per_caller * callers) / seconds;
}

LatencyResult cross_host_sync(const RoundTripPlan& plan, const std::string& agenthost_bin,
                              const std::string& plugin_dir) {
  // The serving host: a real agenthost process with one echo agent on an ephemeral port.
  const auto dir = std::filesystem::temp_directory_path() / fmt::format("ah-bench-{}", ::getpid());
  std::filesystem::create_directories(dir);
  const int port = 20000 + ::getpid() % 20000;
  {
    std::ofstream config(dir / "server.yaml");
    config << fmt::format(
        "host:\n  name: server\n  plugin_dirs: [\"{}\"]\n  bind: 127.0.0.1\n  workers: 1\n"
        "agents:\n  - {{ name: B, plugin: echo, port: {} }}\n",
        plugin_dir, port);
  }
  ChildProcesses server;
  server.spawn({agenthost_bin, "run", "--config", (dir / "server.yaml").string(), "--log-level",
                "warn"});
  // The host logs to stderr; readiness is a health request answering "ready".
  MessagingHost client_host(options_for("client"));
  if (auto error = client_host.start()) throw std::runtime_error(*error);
  client_host.registry().replace_machine(
      "server", {{"B", "server", fmt::format("tcp://127.0.0.1:{}", port), true}});
  AgentClient a(client_host, "A", "B");
  const auto until = Clock::now() + 10s;
  while (!a.call("echo", "up?", 200ms).ok()) {
    if (Clock::now() > until) throw std::runtime_error("the serving agenthost did not come up");
    std::this_thread::sleep_for(20ms);
  }
  auto result = measure(plan, a);
  server.stop(3s);
  std::filesystem::remove_all(dir);
  return result;
}

}  // namespace agenthost::bench
