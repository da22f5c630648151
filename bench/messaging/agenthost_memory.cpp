#include "agenthost_memory.hpp"

#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

#include "child_processes.hpp"
#include "pss.hpp"

namespace agenthost::bench {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

std::string run_output(const std::string& command) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
  if (!pipe) throw std::runtime_error("cannot run " + command);
  std::string out;
  std::array<char, 4096> buffer;
  while (auto n = std::fread(buffer.data(), 1, buffer.size(), pipe.get())) out.append(buffer.data(), n);
  return out;
}

// Waits (at most 30 s) until agentctl says `agents` agents are ready; then the PSS.
std::uint64_t pss_when_ready(ChildProcesses& host, const HostBinaries& bin,
                             const std::string& socket, int agents) {
  const auto until = Clock::now() + 30s;
  const std::string needle = "\"state\": \"ready\"";  // agentctl pretty-prints
  for (int i = 0; i < 3000; ++i) {
    if (Clock::now() > until) break;
    std::string status = run_output(bin.agentctl + " --socket " + socket + " status --json 2>/dev/null");
    int ready = 0;
    for (auto at = status.find(needle); at != std::string::npos; at = status.find(needle, at + 1)) ++ready;
    if (ready >= agents) {
      std::this_thread::sleep_for(300ms);  // let start-up's transient allocations settle
      return pss_kib(host.pids().front());
    }
    std::this_thread::sleep_for(50ms);
  }
  throw std::runtime_error(fmt::format("the host did not have {} agents ready within 30 s", agents));
}

fs::path scratch() {
  auto dir = fs::temp_directory_path() / fmt::format("ah-bench-mem-{}", ::getpid());
  fs::create_directories(dir);
  return dir;
}

}  // namespace

std::uint64_t demo_host_pss_kib(const HostBinaries& bin) {
  const auto dir = scratch();
  const std::string socket = (dir / "demo.sock").string();
  ChildProcesses host;
  // env(1) sets the demo's variables: its own loopback address and control socket.
  host.spawn({"/usr/bin/env", "AGENTHOST_PLUGIN_DIR=" + bin.plugin_dir,
              "AGENTHOST_CONTROL_SOCKET=" + socket, "AGENTHOST_BIND=127.0.0.4",
              bin.agenthost, "run", "--config", bin.demo_config,
              "--machine", "all", "--log-level", "warn"});
  auto pss = pss_when_ready(host, bin, socket, 84);
  host.stop(3s);
  fs::remove_all(dir);
  return pss;
}

double per_agent_kib(const HostBinaries& bin, int agents) {
  const auto dir = scratch();
  auto host_pss = [&](int count) {
    const std::string socket = (dir / fmt::format("n{}.sock", count)).string();
    const std::string config = (dir / fmt::format("n{}.yaml", count)).string();
    {
      std::ofstream out(config);
      out << fmt::format("host:\n  name: m\n  plugin_dirs: [\"{}\"]\n  bind: 127.0.0.5\n"
                         "  control: {{ socket: \"{}\" }}\n  startup: {{ parallelism: 8 }}\n"
                         "agents:\n",
                         bin.plugin_dir, socket);
      for (int i = 0; i < count; ++i) out << fmt::format("  - {{ name: a{}, plugin: echo, port: auto }}\n", i);
    }
    ChildProcesses host;
    host.spawn({bin.agenthost, "run", "--config", config, "--log-level", "warn"});
    auto pss = pss_when_ready(host, bin, socket, count);
    host.stop(3s);
    return pss;
  };
  const auto one = host_pss(1);
  const auto many = host_pss(agents);
  fs::remove_all(dir);
  return double(many - one) / double(agents - 1);
}

}  // namespace agenthost::bench
