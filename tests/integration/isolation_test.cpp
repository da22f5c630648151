// Crash isolation on loopback 127.0.0.95 (ports 17541-17542), with a plugin that segfaults on
// request (tests/plugins/crash_on_request.cpp):
// - `isolation: process`: the agent runs in a child agenthost; it answers through the host,
//   calls the host's agents, reports on the host's error bus; its segfault takes down the
//   child only: reported, restarted by the policy, while the host and the other agent serve.
// - crash quarantine: an in-process agent whose segfault kills the host is recorded, and on
//   the next start it runs isolated, saying why; its next segfault no longer kills the host.

#include <signal.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include <gtest/gtest.h>
#include <zmq.hpp>

#include "support/agent_request.hpp"
#include "support/eventually.hpp"
#include "support/host_fixture.hpp"

namespace agenthost::testing {
namespace {

constexpr const char* kAddress = "127.0.0.95";
constexpr const char* kStablePort = "17541";
constexpr const char* kCrashyPort = "17542";

std::unique_ptr<ChildProcess> start(const std::string& config) { return start_host(config, {}, real_crash_env()); }

// Stable (echo) and Crashy (crash_on_request, `crashy_keys` added), which needs Stable.
std::string config(const TestDir& dir, const std::string& crashy_keys, const std::string& host_keys = "") {
  return dir.write("host.yaml",
                   host_section(dir, std::string("  bind: ") + kAddress + "\n" + host_keys) +
                       "agents:\n"
                       "  - { name: Stable, plugin: echo, port: " + kStablePort + " }\n"
                       "  - name: Crashy\n"
                       "    plugin: crash_on_request\n"
                       "    port: " + kCrashyPort + "\n"
                       "    dependencies: [Stable]\n"
                       "    restart_backoff: { initial: 50ms, max: 100ms }\n" + crashy_keys);
}

std::vector<std::string> call(const std::string& port, const std::string& method, const std::string& payload = "",
                              const std::string& deadline_ms = "3000") {
  zmq::context_t context;
  return request(context, std::string("tcp://") + kAddress + ":" + port, {"AH1", method, payload, deadline_ms});
}

// The payload of a 200 reply, or "" (with the frames in the failure message).
std::string answer(const std::vector<std::string>& reply) {
  if (reply.size() >= 3 && reply[1] == "200") return reply[2];
  std::string frames;
  for (const auto& f : reply) frames += "[" + f + "]";
  ADD_FAILURE() << "not a 200 reply: " << frames;
  return "";
}

std::string crashy_pid() {
  auto reply = call(kCrashyPort, "pid", "", "1000");
  return reply.size() >= 3 && reply[1] == "200" ? reply[2] : "";
}

nlohmann::json errors_of(const TestDir& dir) {
  auto r = agentctl(dir, {"--json", "errors", "--agent", "Crashy"});
  return r.exit_code == 0 ? nlohmann::json::parse(r.output, nullptr, false) : nlohmann::json();
}

// An event of Crashy whose message contains `needle`, else null.
nlohmann::json crashy_event(const TestDir& dir, const std::string& needle) {
  auto events = errors_of(dir);
  if (!events.is_object()) return nullptr;
  for (const auto& e : events.at("events"))
    if (e.value("message", "").find(needle) != std::string::npos) return e;
  return nullptr;
}

TEST(Isolation, AnIsolatedAgentServesAndItsSegfaultTakesDownOnlyItsOwnProcess) {
  TestDir dir;
  auto host = start(config(dir, "    isolation: process\n"));
  ASSERT_TRUE(host->wait_for_line("startup complete: 2 ready")) << host->output();
  const std::string host_pid = std::to_string(host->pid());

  // It runs in a process of its own, and is called through the host's endpoint.
  const std::string first_pid = crashy_pid();
  ASSERT_FALSE(first_pid.empty()) << host->output();
  EXPECT_NE(first_pid, host_pid);
  auto status = agent_entry(status_json(dir), "Crashy");
  ASSERT_TRUE(status.is_object());
  EXPECT_EQ(status.value("isolation", ""), "process");
  EXPECT_EQ(status.value("plugin", ""), "crash_on_request (isolated)");
  // Its log lines reach the host's log under its name.
  EXPECT_TRUE(host->wait_for_line("[Crashy] [info] crash_on_request ready in pid " + first_pid, 5s)) << host->output();

  // Its client reaches the host's agents; its error reports reach the host's bus.
  EXPECT_EQ(answer(call(kCrashyPort, "call", "Stable echo across the process boundary")),
            "ok across the process boundary");
  EXPECT_EQ(answer(call(kCrashyPort, "report", "reported from the child")), "reported");
  EXPECT_TRUE(eventually([&] { return crashy_event(dir, "reported from the child").is_object(); }, 5s))
      << errors_of(dir).dump();

  // The segfault: the caller gets an error, not a hang past its deadline.
  const auto asked = std::chrono::steady_clock::now();
  auto crashed = call(kCrashyPort, "segfault", "", "2000");
  ASSERT_GE(crashed.size(), 3u);
  EXPECT_EQ(crashed[1], "500");
  EXPECT_NE(crashed[2].find("the isolated process of 'Crashy' was killed by signal 11"), std::string::npos)
      << crashed[2];
  EXPECT_LT(std::chrono::steady_clock::now() - asked, 1500ms);  // at the crash, not at the deadline
  // Seen at once and reported with the signal.
  ASSERT_TRUE(eventually([&] { return crashy_event(dir, "was killed by signal 11 (Segmentation fault) unexpectedly").is_object(); }, 5s))
      << errors_of(dir).dump() << host->output();
  EXPECT_EQ(crashy_event(dir, "unexpectedly").value("severity", ""), "critical");
  // The host and its other agent never stopped serving.
  EXPECT_EQ(answer(call(kStablePort, "echo", "still here")), "still here");
  EXPECT_EQ(kill(host->pid(), 0), 0);

  // The restart policy brings it back in a new process.
  std::string second_pid;
  ASSERT_TRUE(eventually([&] {
    second_pid = crashy_pid();
    return !second_pid.empty() && second_pid != first_pid;
  }, 10s)) << host->output();
  EXPECT_NE(second_pid, host_pid);
  EXPECT_TRUE(eventually([&] { return agent_entry(status_json(dir), "Crashy").value("restarts", 0) >= 1; }, 5s));
  EXPECT_EQ(answer(call(kCrashyPort, "call", "Stable echo again")), "ok again");

  EXPECT_EQ(host->terminate(), 0) << host->output();
  EXPECT_TRUE(host->wait_for_line("crash_on_request stopping in pid " + second_pid, 1s)) << host->output();
}

bool file_lacks(const std::string& file, const std::string& word) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return in.good() && text.str().find(word) == std::string::npos;
}

// Starts a host on `file` with Crashy in its process, calls Crashy's `method`, and expects the
// host to die of SIGSEGV with the crash recorded against Crashy in STATE/quarantine.
void crash_the_host(const std::string& file, const std::string& method, const std::string& state) {
  auto host = start(file);
  ASSERT_TRUE(host->wait_for_line("startup complete: 2 ready")) << host->output();
  EXPECT_EQ(crashy_pid(), std::to_string(host->pid()));
  call(kCrashyPort, method, "", "500");
  EXPECT_EQ(host->wait_exit(10s), 128 + SIGSEGV) << host->output();
  std::ifstream in(state + "/quarantine");
  std::string agent;
  int signal = 0;
  ASSERT_TRUE(in >> agent >> signal) << "no quarantine record";
  EXPECT_EQ(agent, "Crashy");
  EXPECT_EQ(signal, SIGSEGV);
}

TEST(Isolation, AnAgentWhoseSegfaultKilledTheHostRunsIsolatedOnTheNextStart) {
  TestDir dir;
  const std::string state = dir.file("state");
  const std::string file = config(dir, "", "  state_dir: " + state + "\n");

  // In the host's process: its segfault ends the host, recorded against Crashy.
  crash_the_host(file, "segfault", state);
  if (::testing::Test::HasFatalFailure()) return;

  // The next start (systemd would restart it): isolated, and the log, status and bus say why.
  auto host = start(file);
  ASSERT_TRUE(host->wait_for_line("startup complete: 2 ready")) << host->output();
  EXPECT_TRUE(host->wait_for_line("runs isolated: its code crashed the host, last with SIGSEGV", 1s)) << host->output();
  auto status = agent_entry(status_json(dir), "Crashy");
  ASSERT_TRUE(status.is_object());
  EXPECT_EQ(status.value("plugin", ""), "crash_on_request (quarantined)");
  EXPECT_TRUE(status.value("isolation", "").starts_with("process: its code crashed the host")) << status.dump();
  EXPECT_TRUE(crashy_event(dir, "runs isolated: its code crashed the host").is_object()) << errors_of(dir).dump();
  const std::string pid = crashy_pid();
  ASSERT_FALSE(pid.empty());
  EXPECT_NE(pid, std::to_string(host->pid()));

  // Now its segfault costs only its own process.
  call(kCrashyPort, "segfault", "", "500");
  ASSERT_TRUE(eventually([&] { return crashy_event(dir, "was killed by signal 11 (Segmentation fault) unexpectedly").is_object(); }, 5s))
      << host->output();
  EXPECT_EQ(answer(call(kStablePort, "echo", "alive")), "alive");
  EXPECT_TRUE(eventually([&] {
    auto again = crashy_pid();
    return !again.empty() && again != pid;
  }, 10s)) << host->output();

  // Released by the operator: back in the host's process, its record gone from the file.
  auto released = agentctl(dir, {"release", "Crashy"});
  EXPECT_EQ(released.exit_code, 0) << released.output;
  EXPECT_NE(released.output.find("Crashy left crash quarantine; configuration reloaded"), std::string::npos)
      << released.output;
  EXPECT_TRUE(eventually([&] { return crashy_pid() == std::to_string(host->pid()); }, 10s)) << host->output();
  EXPECT_EQ(agent_entry(status_json(dir), "Crashy").value("plugin", ""), "crash_on_request");
  EXPECT_TRUE(file_lacks(state + "/quarantine", "Crashy"));
  EXPECT_NE(agentctl(dir, {"release", "Crashy"}).output.find("agent 'Crashy' is not in quarantine"), std::string::npos);
  EXPECT_EQ(host->terminate(), 0) << host->output();
}

// A stack overflow leaves the faulting thread no stack for the handler: it runs on the
// thread's alternate stack, and the overflow is recorded like any crash.
TEST(Isolation, AStackOverflowInAgentCodeIsRecordedForQuarantine) {
  TestDir dir;
  const std::string state = dir.file("state");
  crash_the_host(config(dir, "", "  state_dir: " + state + "\n"), "overflow", state);
}

// A configuration reload that sets `isolation: process` moves the running agent into a child
// of its own, and one that removes it brings the agent back into the host; a quarantined agent
// stays isolated through reloads whatever the file says.
TEST(Isolation, AReloadMovesAnAgentIntoAChildAndBack) {
  TestDir dir;
  const std::string file = config(dir, "");
  auto host = start(file);
  ASSERT_TRUE(host->wait_for_line("startup complete: 2 ready")) << host->output();
  const std::string host_pid = std::to_string(host->pid());
  EXPECT_EQ(crashy_pid(), host_pid);

  config(dir, "    isolation: process\n");
  host->signal(SIGHUP);
  std::string isolated_pid;
  ASSERT_TRUE(eventually([&] {
    isolated_pid = crashy_pid();
    return !isolated_pid.empty() && isolated_pid != host_pid;
  }, 10s)) << host->output();
  EXPECT_EQ(agent_entry(status_json(dir), "Crashy").value("isolation", ""), "process");
  EXPECT_EQ(answer(call(kCrashyPort, "call", "Stable echo from the child")), "ok from the child");

  config(dir, "");
  host->signal(SIGHUP);
  ASSERT_TRUE(eventually([&] { return crashy_pid() == host_pid; }, 10s)) << host->output();
  EXPECT_EQ(agent_entry(status_json(dir), "Crashy").value("isolation", "?"), "");
  EXPECT_EQ(host->terminate(), 0) << host->output();
}

}  // namespace
}  // namespace agenthost::testing
