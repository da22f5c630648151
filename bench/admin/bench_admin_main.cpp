// bench_admin: how fast the admin listener answers /healthz, /readyz and /health while the
// 84 demo agents run and one more agent's health() hangs (it never returns until stop()).
// The baseline, measured in the same run on the same connection, is a 404 for an unknown
// path: the listener's own floor (HTTP parsing and a reply, no snapshot of the host).
//
// Prints `RESULT <key> <value> <unit>` lines; the issue's target is p99 <= 1 ms.

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "http_client.hpp"

extern char** environ;

namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using agenthost::bench::HttpConnection;

constexpr int kSamples = 3000;  // per path
constexpr auto kBudget = 60s;   // the whole measurement gives up after this

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The demo config plus one agent whose health() hangs.
fs::path write_config(const fs::path& dir) {
  std::string config = read_file(AGENTHOST_BENCH_DEMO_CONFIG);
  config +=
      "  - name: WedgedHealthAgent\n    plugin: simulated\n    machine: main_pc\n"
      "    config: { init_ms: 10, health: hang }\n";
  const auto path = dir / "agenthost.yaml";
  std::ofstream(path) << config;
  return path;
}

pid_t spawn_host(const fs::path& config, const fs::path& log) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) env.emplace_back(*e);
  env.push_back(fmt::format("AGENTHOST_PLUGIN_DIR={}", AGENTHOST_BENCH_PLUGIN_DIR));
  env.push_back(fmt::format("AGENTHOST_CONTROL_SOCKET={}", (log.parent_path() / "c.sock").string()));
  env.push_back("AGENTHOST_ADMIN_PORT=0");  // any free port: the log says which
  env.push_back("AGENTHOST_BIND=127.0.0.6");
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = {AGENTHOST_BENCH_HOST_BIN, "run", "--config", config.string(),
                                   "--machine", "all"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = 0;
  if (posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data()) != 0)
    throw std::runtime_error("cannot start agenthost");
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

// Waits (bounded) until the log has `startup complete`; returns the admin port.
int wait_until_started(const fs::path& log) {
  const std::regex admin(R"(admin listener on http://127\.0\.0\.1:(\d+))");
  const auto give_up = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < give_up) {
    const auto text = read_file(log);
    std::smatch m;
    if (text.find("startup complete") != std::string::npos && std::regex_search(text, m, admin))
      return std::stoi(m[1]);
    std::this_thread::sleep_for(20ms);
  }
  throw std::runtime_error("agenthost did not start within 30 s:\n" + read_file(log));
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

void result(const std::string& key, double value, const char* unit) {
  fmt::print("RESULT {} {:.1f} {}\n", key, value, unit);
}

}  // namespace

int main() {
  const auto dir = fs::temp_directory_path() / fmt::format("ah-bench-admin-{}", ::getpid());
  fs::create_directories(dir);
  const auto log = dir / "host.log";
  const pid_t host = spawn_host(write_config(dir), log);
  int rc = 0;
  try {
    const int port = wait_until_started(log);
    // Two health intervals (1 s): the wedged agent's health() is stuck in a health thread.
    std::this_thread::sleep_for(2500ms);
    HttpConnection http("127.0.0.1", port);
    const std::vector<std::string> paths = {"/healthz", "/readyz", "/health", "/no-such-page"};
    for (int i = 0; i < 100; ++i)
      for (const auto& p : paths) http.get(p, 2s);  // warm-up
    std::map<std::string, std::vector<double>> us;
    const auto give_up = std::chrono::steady_clock::now() + kBudget;
    for (int i = 0; i < kSamples && std::chrono::steady_clock::now() < give_up; ++i) {
      for (const auto& p : paths) {  // interleaved: drift in the machine hits every path alike
        const auto t0 = std::chrono::steady_clock::now();
        auto answer = http.get(p, 2s);
        us[p].push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
        if (p == "/health" && answer.body.find("WedgedHealthAgent") == std::string::npos)
          throw std::runtime_error("/health does not list the wedged agent");
      }
    }
    const double floor_p99 = percentile(us["/no-such-page"], 0.99);
    result("admin_baseline_404_p50", percentile(us["/no-such-page"], 0.5), "us");
    result("admin_baseline_404_p99", floor_p99, "us");
    for (const auto& [path, key] : std::vector<std::pair<std::string, std::string>>{
             {"/healthz", "healthz"}, {"/readyz", "readyz"}, {"/health", "health"}}) {
      result(fmt::format("admin_{}_p50", key), percentile(us[path], 0.5), "us");
      const double p99 = percentile(us[path], 0.99);
      result(fmt::format("admin_{}_p99", key), p99, "us");
      fmt::print("RESULT ratio_admin_{}_p99_over_404 {:.2f} x\n", key, p99 / floor_p99);
    }
    result("admin_samples_per_path", static_cast<double>(us["/health"].size()), "requests");
  } catch (const std::exception& e) {
    fmt::print(stderr, "bench_admin: FAILED: {}\n", e.what());
    rc = 1;
  }
  ::kill(host, SIGINT);
  int status = 0;
  for (int i = 0; i < 100 && ::waitpid(host, &status, WNOHANG) == 0; ++i)
    std::this_thread::sleep_for(50ms);
  if (::waitpid(host, &status, WNOHANG) == 0) {
    ::kill(host, SIGKILL);
    ::waitpid(host, &status, 0);
  }
  fs::remove_all(dir);
  return rc;
}
