// bench_reload: hot reload under load, measured from outside with the real binary.
//
// A host on 127.0.0.66 runs Counter (the counter plugin, port 17451) and Caller (echo, port
// 17452), which calls Counter in-host. Two callers keep calling without pause: one calls
// Counter's `version` over tcp, one calls Caller's `call` (Caller -> Counter in-host). First a
// steady phase, then `--reloads` replacements of counter.so by rename (v1, v2, v1, ...), each
// waited for until the tcp caller gets the new version. Prints:
//   reload_to_serving_ms_{median,max}  file renamed into place -> first reply of the new code
//   latency_{steady,reload}_{p50,p99,max}_us and the p99 ratio: the tcp caller's round trips
//   requests_lost: calls of either caller without a 200 reply (deadline 3 s)
//
//   bench_reload [--reloads N] [--steady-seconds S]

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "host_process.hpp"
#include "latency_stats.hpp"
#include "reload_callers.hpp"

namespace fs = std::filesystem;
using namespace agenthost::bench;
using namespace std::chrono_literals;

namespace {

constexpr const char* kAddress = "127.0.0.66";

void result(const std::string& key, double value, const char* unit) {
  std::printf("RESULT %s %.3f %s\n", key.c_str(), value, unit);
  std::fflush(stdout);
}

std::vector<std::chrono::nanoseconds> latencies_between(const std::vector<CallRecord>& records, Clock::time_point from,
                                                        Clock::time_point to) {
  std::vector<std::chrono::nanoseconds> out;
  for (const auto& r : records)
    if (r.sent >= from && r.sent < to) out.push_back(r.latency);
  return out;
}

double us(std::chrono::nanoseconds d) { return std::chrono::duration<double, std::micro>(d).count(); }

}  // namespace

int main(int argc, char** argv) {
  int reloads = 20;
  int steady_seconds = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--reloads") reloads = std::clamp(std::atoi(argv[i + 1]), 1, 500);
    else if (flag == "--steady-seconds") steady_seconds = std::clamp(std::atoi(argv[i + 1]), 1, 60);
    else {
      std::fprintf(stderr, "usage: bench_reload [--reloads N] [--steady-seconds S]\n");
      return 2;
    }
  }

  char pattern[] = "/tmp/bench-reload-XXXXXX";
  if (!::mkdtemp(pattern)) {
    std::perror("mkdtemp");
    return 1;
  }
  const fs::path dir = pattern, plugins = dir / "plugins";
  fs::create_directories(plugins);
  fs::copy_file(AGENTHOST_BENCH_COUNTER_V1, plugins / "counter.so");
  fs::copy_file(AGENTHOST_BENCH_ECHO, plugins / "echo.so");
  const fs::path config = dir / "host.yaml";
  std::ofstream(config) << fmt::format(
      "host:\n"
      "  name: bench\n"
      "  plugin_dirs: [{}]\n"
      "  bind: {}\n"
      "  health: {{ interval: 1s }}\n"
      "agents:\n"
      "  - {{ name: Counter, plugin: counter, port: 17451 }}\n"
      "  - {{ name: Caller, plugin: echo, port: 17452, dependencies: [Counter] }}\n",
      plugins.string(), kAddress);

  int status = 0;
  {
    HostProcess host({AGENTHOST_BENCH_HOST, "run", "--config", config.string()}, {});
    if (!host.wait_for_line("startup complete: 2 ready", Clock::now() + 20s)) {
      std::fprintf(stderr, "bench_reload: the host did not start:\n%s\n", host.tail().c_str());
      fs::remove_all(dir);
      return 1;
    }
    Caller direct({.endpoint = fmt::format("tcp://{}:17451", kAddress), .method = "version", .payload = ""});
    Caller in_host({.endpoint = fmt::format("tcp://{}:17452", kAddress),
                    .method = "call",
                    .payload = R"({"agent": "Counter", "method": "count", "timeout_ms": 3000})",
                    .reply_ok = [](const std::string& body) {
                      auto reply = nlohmann::json::parse(body, nullptr, false);
                      return reply.is_object() && reply.value("status", "") == "ok";
                    }});

    const auto steady_from = Clock::now();
    std::this_thread::sleep_for(std::chrono::seconds(steady_seconds));
    const auto reload_from = Clock::now();
    std::vector<double> serving_ms;
    for (int i = 0; i < reloads; ++i) {
      const bool to_v2 = i % 2 == 0;
      const fs::path temp = plugins / ".counter.so.tmp";
      fs::copy_file(to_v2 ? AGENTHOST_BENCH_COUNTER_V2 : AGENTHOST_BENCH_COUNTER_V1, temp,
                    fs::copy_options::overwrite_existing);
      const auto landed = Clock::now();
      fs::rename(temp, plugins / "counter.so");
      auto serving = direct.wait_for_answer(to_v2 ? "2" : "1", landed + 10s);
      if (!serving) {
        std::fprintf(stderr, "bench_reload: reload %d: the new version did not serve within 10 s:\n%s\n", i + 1,
                     host.tail().c_str());
        status = 1;
        break;
      }
      serving_ms.push_back(std::chrono::duration<double, std::milli>(*serving - landed).count());
      std::this_thread::sleep_for(100ms);  // callers keep going between reloads
    }
    const auto reload_to = Clock::now();
    direct.stop();
    in_host.stop();

    auto steady = latencies_between(direct.records(), steady_from, reload_from);
    auto during = latencies_between(direct.records(), reload_from, reload_to);
    std::size_t lost = 0, calls = 0;
    for (const auto* c : {&direct, &in_host})
      for (const auto& r : c->records()) {
        ++calls;
        lost += !r.ok;
      }
    if (!serving_ms.empty() && !steady.empty() && !during.empty()) {
      std::sort(serving_ms.begin(), serving_ms.end());
      result("reload_count", double(serving_ms.size()), "reloads");
      result("reload_to_serving_ms_median", serving_ms[serving_ms.size() / 2], "ms");
      result("reload_to_serving_ms_max", serving_ms.back(), "ms");
      const double s50 = us(percentile(steady, 50)), s99 = us(percentile(steady, 99));
      const double r50 = us(percentile(during, 50)), r99 = us(percentile(during, 99));
      result("latency_steady_p50_us", s50, "us");
      result("latency_steady_p99_us", s99, "us");
      result("latency_reload_p50_us", r50, "us");
      result("latency_reload_p99_us", r99, "us");
      result("latency_reload_p99_vs_steady", r99 / s99, "x");
      // The slowest call: one that came while its agent's requests were held for a switch.
      result("latency_reload_max_us", us(*std::max_element(during.begin(), during.end())), "us");
      result("latency_steady_max_us", us(*std::max_element(steady.begin(), steady.end())), "us");
      result("requests_total", double(calls), "calls");
      result("requests_lost", double(lost), "calls");
    } else {
      status = 1;
    }
    host.signal(SIGTERM);
    if (!host.wait_exit(Clock::now() + 20s)) status = 1;
  }
  fs::remove_all(dir);
  return status;
}
