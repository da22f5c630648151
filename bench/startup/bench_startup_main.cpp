// bench_startup: start-up and shutdown of the real agenthost binary, timed from outside.
//
//   bench_startup [--runs N] [--agents N] [--host PATH] [--skip-demo] [--skip-many]
//
// Environment: AGENTHOST_DEMO_SCALE (default 0.01) scales the demo's init times.
// Prints `RESULT <key> <value> <unit>` lines on stdout, progress and failures on stderr.
// Exit code 0 when every host run started all its agents and exited 0 on SIGTERM, else 1.
//
// Start-up is measured from just before spawn to the host's `startup complete` line, so it
// includes exec, config loading and every dlopen — what an operator waits for. Beside it, in
// the same run, the floor under it: spawn → exit of /bin/true, and of a program that does
// nothing but is linked with the host's libraries.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "../free_port.hpp"
#include "demo_figures.hpp"
#include "host_process.hpp"
#include "many_agents.hpp"

namespace fs = std::filesystem;
using namespace agenthost::bench;
using std::chrono::duration;

namespace {

constexpr auto kStartupDeadline = std::chrono::seconds(60);
constexpr auto kShutdownDeadline = std::chrono::seconds(30);
constexpr int kMaxRuns = 100;

struct Options {
  int runs = 5;
  int agents = 1000;
  bool demo = true;
  bool many = true;
  std::string host = AGENTHOST_BENCH_HOST;  // --host: bench another build or an installed one
};

struct RunTimes {
  double startup_ms = 0;
  double host_reported_ms = -1;  // the host's own figure from its line; -1 when absent
  double agents_phase_ms = -1;   // the part of it after the config was read
  double shutdown_ms = 0;
};

// Thrown to main, so that the destructors on the way SIGKILL any host still running.
[[noreturn]] void fail(const std::string& what, const HostProcess* host = nullptr) {
  if (host == nullptr) throw std::runtime_error(what);
  throw std::runtime_error(fmt::format("{}\nlast host output:\n{}", what, host->tail()));
}

void result(const std::string& key, double value, const char* unit) {
  fmt::print("RESULT {} {:.3f} {}\n", key, value, unit);
  std::fflush(stdout);
}

int free_port() {
  const int port = free_loopback_port();
  if (port < 0) fail("cannot find a free tcp port");
  return port;
}

// "... startup complete: 84 ready, 0 failed, 0 blocked in 0.312s": the count before `word`.
int count_before(const std::string& line, const std::string& word) {
  const auto at = line.find(" " + word);
  if (at == std::string::npos) return -1;
  auto begin = line.find_last_not_of("0123456789", at - 1);
  begin = begin == std::string::npos ? 0 : begin + 1;
  return begin < at ? std::atoi(line.substr(begin, at - begin).c_str()) : -1;
}

// "... 0 blocked in 0.312s (config 7.8 ms, agents 301.2 ms)": the host's own start-up time
// from its main() (it leaves out exec), and the agents' part of it (from the first start).
double host_reported_ms(const std::string& line) {
  const auto at = line.find(" blocked in ");
  if (at == std::string::npos) return -1;
  char* end = nullptr;
  const double seconds = std::strtod(line.c_str() + at + 12, &end);
  return end != line.c_str() + at + 12 && *end == 's' ? seconds * 1000 : -1;
}

double host_agents_phase_ms(const std::string& line) {
  const auto at = line.find(", agents ");
  if (at == std::string::npos) return -1;
  char* end = nullptr;
  const double ms = std::strtod(line.c_str() + at + 9, &end);
  return end != line.c_str() + at + 9 ? ms : -1;
}

// Runs one host to `startup complete`, then SIGTERMs it and times its exit.
RunTimes run_host(const std::string& label, const std::vector<std::string>& argv,
                  const std::vector<std::string>& env, int expected_agents) {
  const auto launched = Clock::now();
  HostProcess host(argv, env);
  const auto line = host.wait_for_line("startup complete", launched + kStartupDeadline);
  if (!line) {
    host.signal(SIGKILL);  // the destructor reaps it
    fail(fmt::format("{}: no 'startup complete' within {} s (or the host exited)", label,
                     kStartupDeadline.count()),
         &host);
  }
  RunTimes times;
  times.startup_ms = duration<double, std::milli>(line->at - launched).count();
  times.host_reported_ms = host_reported_ms(line->text);
  times.agents_phase_ms = host_agents_phase_ms(line->text);
  const int ready = count_before(line->text, "ready");
  const int failed = count_before(line->text, "failed");
  const int blocked = count_before(line->text, "blocked");
  if ((ready >= 0 && ready != expected_agents) || failed > 0 || blocked > 0) {
    fail(fmt::format("{}: expected {} ready agents: {}", label, expected_agents, line->text),
         &host);
  }

  const auto term_sent = Clock::now();
  host.signal(SIGTERM);
  const auto status = host.wait_exit(term_sent + kShutdownDeadline);
  if (!status) {
    host.signal(SIGKILL);
    fail(fmt::format("{}: still running {} s after SIGTERM", label, kShutdownDeadline.count()),
         &host);
  }
  times.shutdown_ms = duration<double, std::milli>(Clock::now() - term_sent).count();
  if (!WIFEXITED(*status) || WEXITSTATUS(*status) != 0) {
    fail(fmt::format("{}: host ended with {} after SIGTERM", label, describe_status(*status)),
         &host);
  }
  fmt::print(stderr, "{}: startup {:.1f} ms, shutdown {:.1f} ms\n", label, times.startup_ms,
             times.shutdown_ms);
  return times;
}

// Spawn → exit of a program that takes no arguments and must exit 0, spawned as the hosts are.
double spawn_to_exit_ms(const std::string& program) {
  constexpr auto kExitDeadline = std::chrono::seconds(10);
  const auto launched = Clock::now();
  HostProcess process({program}, {});
  const auto status = process.wait_exit(launched + kExitDeadline);
  const auto exited = Clock::now();
  if (!status) {
    process.signal(SIGKILL);
    fail(fmt::format("{}: still running {} s after spawn", program, kExitDeadline.count()), &process);
  }
  if (!WIFEXITED(*status) || WEXITSTATUS(*status) != 0)
    fail(fmt::format("{}: ended with {}", program, describe_status(*status)), &process);
  return duration<double, std::milli>(exited - launched).count();
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const auto n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

double demo_scale() {
  const char* text = std::getenv("AGENTHOST_DEMO_SCALE");
  if (text == nullptr || *text == '\0') return 0.01;
  char* end = nullptr;
  const double scale = std::strtod(text, &end);
  if (*end != '\0' || !(scale >= 0)) fail(fmt::format("bad AGENTHOST_DEMO_SCALE '{}'", text));
  return scale;
}

// What every start pays before the host's main(), measured in turns: spawning any process,
// and loading the shared libraries agenthost is linked with.
void bench_exec_floor(double critical_ms) {
  constexpr int kFloorRuns = 21;
  std::vector<double> empty, libraries;
  for (int i = 0; i < kFloorRuns; ++i) {
    empty.push_back(spawn_to_exit_ms("/bin/true"));
    libraries.push_back(spawn_to_exit_ms(AGENTHOST_BENCH_LIBRARY_FLOOR));
  }
  const double budget_ms = critical_ms * 0.05;  // the demo target: within 1.05x of it
  result("exec_floor_bin_true_ms", median(empty), "ms");
  result("exec_floor_host_libraries_ms", median(libraries), "ms");
  result("demo_target_budget_ms", budget_ms, "ms");
  result("ratio_exec_floor_host_libraries_over_budget", median(libraries) / budget_ms, "x");
}

void bench_demo(const Options& options, const fs::path& tmp) {
  const double scale = demo_scale();
  const auto figures = read_demo_figures(AGENTHOST_BENCH_DEMO_EXPECTED);
  const std::string scale_text = fmt::format("{}", scale);
  int run_id = 0;
  const auto run = [&](const char* strategy, int index) {
    const std::vector<std::string> env = {
        "AGENTHOST_DEMO_SCALE=" + scale_text,
        "AGENTHOST_PLUGIN_DIR=" AGENTHOST_BENCH_PLUGIN_DIR,
        "AGENTHOST_CONTROL_SOCKET=" + (tmp / fmt::format("demo-{}.sock", run_id++)).string(),
        fmt::format("AGENTHOST_ADMIN_PORT={}", free_port()),
        // Its own loopback address: the demo's 84 ports never clash with a demo running.
        "AGENTHOST_BIND=127.0.0.3"};
    const std::vector<std::string> argv = {options.host, "run", "--config",
                                           AGENTHOST_BENCH_DEMO_CONFIG, "--machine", "all",
                                           "--strategy", strategy};
    return run_host(fmt::format("demo {} #{}", strategy, index), argv, env, figures.agents);
  };

  std::vector<double> eager, reported, agents_phase, shutdown;
  for (int i = 0; i < options.runs; ++i) {
    const auto times = run("eager", i + 1);
    eager.push_back(times.startup_ms);
    reported.push_back(times.host_reported_ms);
    agents_phase.push_back(times.agents_phase_ms);
    shutdown.push_back(times.shutdown_ms);
  }
  const auto levels = run("levels", 1);
  const auto sequential = run("sequential", 1);

  const double critical = figures.critical_path_ms * scale;
  const double eager_ms = median(eager);
  result("demo_scale", scale, "x");
  result("demo_agents", figures.agents, "agents");
  result("demo_critical_path_ms", critical, "ms");
  result("demo_level_barrier_bound_ms", figures.level_barrier_ms * scale, "ms");
  result("demo_sequential_bound_ms", figures.sequential_ms * scale, "ms");
  result("startup_eager_ms", eager_ms, "ms");
  if (median(reported) >= 0) result("startup_eager_host_reported_ms", median(reported), "ms");
  result("startup_eager_min_ms", *std::min_element(eager.begin(), eager.end()), "ms");
  result("startup_levels_ms", levels.startup_ms, "ms");
  result("startup_sequential_ms", sequential.startup_ms, "ms");
  result("ratio_eager_over_critical_path", eager_ms / critical, "x");
  // The same without the fixed costs before the first start (exec, reading the config):
  // how closely the scheduler itself follows the critical path.
  if (median(agents_phase) >= 0) {
    result("startup_eager_agents_phase_ms", median(agents_phase), "ms");
    result("ratio_agents_phase_over_critical_path", median(agents_phase) / critical, "x");
  }
  result("ratio_levels_over_eager", levels.startup_ms / eager_ms, "x");
  result("ratio_sequential_over_eager", sequential.startup_ms / eager_ms, "x");
  result("shutdown_demo_ms", median(shutdown), "ms");
  bench_exec_floor(critical);
}

void bench_many(const Options& options, const fs::path& tmp) {
  const fs::path plugin = AGENTHOST_BENCH_TRIVIAL;
  const auto agents = make_many_agents(tmp / "many", plugin, options.agents,
                                       (tmp / "many.sock").string(), free_port());
  const std::vector<std::string> argv = {options.host, "run", "--config",
                                         agents.config.string(), "--machine", "all"};
  std::vector<double> startup, reported, agents_phase, shutdown;
  for (int i = 0; i < std::min(options.runs, 3); ++i) {
    const auto times = run_host(fmt::format("{} agents #{}", options.agents, i + 1), argv, {},
                                options.agents);
    startup.push_back(times.startup_ms);
    reported.push_back(times.host_reported_ms);
    agents_phase.push_back(times.agents_phase_ms);
    shutdown.push_back(times.shutdown_ms);
  }
  const auto dlopen_ns = time_plain_dlopen(agents, options.agents, plugin);
  const double dlopen_ms = duration<double, std::milli>(dlopen_ns).count();
  const double startup_ms = median(startup);

  result("many_agents", options.agents, "agents");
  result("many_startup_s", startup_ms / 1000, "s");
  result("many_startup_per_agent_us", startup_ms * 1000 / options.agents, "us");
  if (median(reported) >= 0) result("many_host_reported_s", median(reported) / 1000, "s");
  if (median(agents_phase) >= 0)
    result("many_agents_phase_s", median(agents_phase) / 1000, "s");
  result("many_dlopen_baseline_ms", dlopen_ms, "ms");
  result("many_dlopen_per_agent_us", dlopen_ms * 1000 / options.agents, "us");
  result("ratio_many_startup_over_dlopen", startup_ms / dlopen_ms, "x");
  result("shutdown_many_ms", median(shutdown), "ms");
}

[[noreturn]] void usage() {
  fmt::print(stderr,
             "usage: bench_startup [--runs N] [--agents N] [--host PATH] [--skip-demo] "
             "[--skip-many]\n");
  std::exit(2);
}

Options parse_options(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto value = [&] {
      if (i + 1 >= argc) usage();
      return std::string(argv[++i]);
    };
    if (arg == "--runs") options.runs = std::atoi(value().c_str());
    else if (arg == "--agents") options.agents = std::atoi(value().c_str());
    else if (arg == "--host") options.host = value();
    else if (arg == "--skip-demo") options.demo = false;
    else if (arg == "--skip-many") options.many = false;
    else usage();
  }
  if (options.runs < 1 || options.runs > kMaxRuns || options.agents < 1 || options.agents > 9999) {
    fmt::print(stderr, "bench_startup: --runs must be 1..{}, --agents 1..9999\n", kMaxRuns);
    std::exit(2);
  }
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  const auto options = parse_options(argc, argv);
  std::string tmp_template = (fs::temp_directory_path() / "agenthost-bench-XXXXXX").string();
  if (mkdtemp(tmp_template.data()) == nullptr) {
    fmt::print(stderr, "bench_startup: FAILED: mkdtemp {}\n", tmp_template);
    return 1;
  }
  const fs::path tmp = tmp_template;
  try {
    if (options.demo) bench_demo(options, tmp);
    if (options.many) bench_many(options, tmp);
  } catch (const std::exception& e) {
    fmt::print(stderr, "bench_startup: FAILED: {}\n", e.what());
    fs::remove_all(tmp);
    return 1;
  }
  fs::remove_all(tmp);
  return 0;
}
