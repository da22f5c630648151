// kind: process agents with a real Python program (tests/process_agents/py_agent.py, with
// Debian's python3-zmq) on loopback 127.0.0.92: ready through agenthost.health on its own
// endpoint, called through the host by a client and by another agent, its output in the
// host's log under its name, stopped with SIGTERM, SIGKILLed when it ignores SIGTERM, and an
// unexpected exit reported on the error bus and shown as unhealthy.

#include <signal.h>

#include <cerrno>
#include <chrono>
#include <fstream>

#include <gtest/gtest.h>
#include <zmq.hpp>

#include "support/agent_request.hpp"
#include "support/eventually.hpp"
#include "support/host_fixture.hpp"

namespace agenthost::testing {
namespace {

constexpr const char* kAddress = "127.0.0.92";
const std::string kProgram = AGENTHOST_SOURCE_DIR "/tests/process_agents/py_agent.py";
// Debian's interpreter: the one python3-zmq is installed for (a pyenv shim may come first in PATH).
constexpr const char* kPython = "/usr/bin/python3";

// PyAgent on 17511 (its own endpoint) with the host's endpoint for it on 17512, and Caller
// (echo) on 17513 that depends on it.
// `supervision`: more keys of PyAgent, each line indented by four spaces.
std::string config(const TestDir& dir, const std::string& extra_args = "", const std::string& stop_timeout = "2s",
                   const std::string& supervision = "") {
  return dir.write("host.yaml",
                   host_section(dir, std::string("  bind: ") + kAddress + "\n") +
                       "agents:\n"
                       "  - name: PyAgent\n"
                       "    kind: process\n"
                       "    command: " + kPython + "\n"
                       "    args: [" + kProgram + ", --endpoint, \"tcp://127.0.0.92:17511\"" + extra_args + "]\n"
                       "    env: { PY_AGENT_MODE: test }\n"
                       "    endpoint: tcp://127.0.0.92:17511\n"
                       "    ready: { health: true }\n"
                       "    stop_timeout: " + stop_timeout + "\n" + supervision +
                       "    port: 17512\n"
                       "  - { name: Caller, plugin: echo, port: 17513, dependencies: [PyAgent] }\n");
}

std::vector<std::string> call(const std::string& port, const std::string& method, const std::string& payload) {
  zmq::context_t context;
  return request(context, std::string("tcp://") + kAddress + ":" + port, {"AH1", method, payload, "2000"});
}

// The pid from "started '...' as pid N".
pid_t child_pid(ChildProcess& host) {
  auto line = host.wait_for_line("as pid ", 5s);
  if (!line) return -1;
  return static_cast<pid_t>(std::stol(line->substr(line->find("as pid ") + 7)));
}

bool gone(pid_t pid) { return kill(pid, 0) != 0 && errno == ESRCH; }

// Gone, or a zombie waiting for init to reap it: either way it no longer runs.
bool not_running(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(stat, text)) return true;
  const auto state = text.find(") ");
  return state != std::string::npos && state + 2 < text.size() && (text[state + 2] == 'Z' || text[state + 2] == 'X');
}

TEST(ProcessAgent, BecomesReadyIsCalledThroughTheHostLogsAndStopsOnSigterm) {
  TestDir dir;
  auto host = start_host(config(dir));
  ASSERT_TRUE(host->wait_for_line("startup complete: 2 ready")) << host->output();
  const pid_t pid = child_pid(*host);
  ASSERT_GT(pid, 0) << host->output();
  EXPECT_TRUE(host->wait_for_line("[PyAgent] py-agent PyAgent listening on tcp://127.0.0.92:17511", 5s))
      << host->output();
  EXPECT_TRUE(host->wait_for_line("[PyAgent] py-agent PyAgent says hello on stderr", 5s)) << host->output();

  // A client outside, through the host's endpoint for the agent.
  auto reply = call("17512", "echo", "from a client");
  ASSERT_GE(reply.size(), 3u);
  EXPECT_EQ(reply[1], "200");
  EXPECT_EQ(reply[2], "from a client");

  // Another agent, with ctx.client("PyAgent").
  reply = call("17513", "call", R"({"agent": "PyAgent", "method": "echo", "payload": "from Caller"})");
  ASSERT_GE(reply.size(), 3u);
  auto answer = nlohmann::json::parse(reply[2], nullptr, false);
  EXPECT_EQ(answer.value("status", ""), "ok") << reply[2];
  EXPECT_EQ(answer.value("payload", ""), "from Caller") << reply[2];

  auto status = agent_entry(status_json(dir), "PyAgent");
  ASSERT_TRUE(status.is_object());
  EXPECT_EQ(status.at("state"), "ready");
  EXPECT_EQ(status.at("plugin"), std::string("process ") + kPython);
  ASSERT_TRUE(eventually([&] { return agent_entry(status_json(dir), "PyAgent").value("health", "") == "healthy"; },
                         5s));

  EXPECT_EQ(host->terminate(), 0) << host->output();
  EXPECT_TRUE(host->wait_for_line("[PyAgent] py-agent got SIGTERM, stopping", 1s)) << host->output();
  EXPECT_TRUE(host->wait_for_line("stopped after SIGTERM: exited with status 0", 1s)) << host->output();
  EXPECT_TRUE(gone(pid));
}

TEST(ProcessAgent, ProgramIgnoringSigtermIsKilledAfterStopTimeout) {
  TestDir dir;
  auto host = start_host(config(dir, ", --ignore-sigterm", "300ms"));
  ASSERT_TRUE(host->wait_for_line("startup complete: 2 ready")) << host->output();
  const pid_t pid = child_pid(*host);
  ASSERT_GT(pid, 0) << host->output();

  const auto began = std::chrono::steady_clock::now();
  EXPECT_EQ(host->terminate(), 0) << host->output();
  EXPECT_LT(std::chrono::steady_clock::now() - began, 5s);
  EXPECT_TRUE(host->wait_for_line("[PyAgent] py-agent ignores SIGTERM", 1s)) << host->output();
  EXPECT_TRUE(host->wait_for_line("did not stop within 300ms of SIGTERM: killed it (SIGKILL)", 1s))
      << host->output();
  EXPECT_TRUE(gone(pid));
}

TEST(ProcessAgent, ProgramDoesNotOutliveAKilledHost) {
  TestDir dir;
  auto host = start_host(config(dir));
  ASSERT_TRUE(host->wait_for_line("startup complete: 2 ready")) << host->output();
  const pid_t pid = child_pid(*host);
  ASSERT_GT(pid, 0) << host->output();
  host->signal(SIGKILL);  // no shutdown at all: PR_SET_PDEATHSIG takes the program along
  host->wait_exit(5s);
  EXPECT_TRUE(eventually([&] { return not_running(pid); }, 5s));
}

TEST(ProcessAgent, UnexpectedExitIsReportedOnTheErrorBusAndShowsUnhealthy) {
  TestDir dir;
  auto host = start_host(config(dir, "", "2s", "    restart: never\n"));
  ASSERT_TRUE(host->wait_for_line("startup complete: 2 ready")) << host->output();

  auto reply = call("17512", "exit", "3");
  ASSERT_GE(reply.size(), 2u);
  EXPECT_EQ(reply[1], "200");
  EXPECT_TRUE(host->wait_for_line("exited with status 3 unexpectedly", 5s)) << host->output();

  auto errors = agentctl(dir, {"--json", "errors", "--agent", "PyAgent"});
  ASSERT_EQ(errors.exit_code, 0) << errors.output;
  EXPECT_NE(errors.output.find("exited with status 3 unexpectedly"), std::string::npos) << errors.output;
  EXPECT_NE(errors.output.find("critical"), std::string::npos) << errors.output;

  ASSERT_TRUE(eventually(
      [&] { return agent_entry(status_json(dir), "PyAgent").value("health", "") == "unhealthy"; }, 5s))
      << status_json(dir).dump();
  auto status = agent_entry(status_json(dir), "PyAgent");
  EXPECT_NE(status.value("health_detail", "").find("exited with status 3"), std::string::npos) << status.dump();
  EXPECT_EQ(host->terminate(), 0) << host->output();
}

// The restart policy takes an exit as a failure at once (no liveness polls to wait for): a
// fresh program after the back-off, on the same host port, while its dependent keeps running.
TEST(ProcessAgent, ExitedProgramIsRestartedByTheRestartPolicy) {
  TestDir dir;
  auto host = start_host(config(dir, "", "2s", "    restart_backoff: { initial: 100ms, max: 1s }\n"));
  ASSERT_TRUE(host->wait_for_line("startup complete: 2 ready")) << host->output();
  const pid_t first = child_pid(*host);

  auto reply = call("17512", "exit", "3");
  ASSERT_GE(reply.size(), 2u);
  EXPECT_EQ(reply[1], "200");
  ASSERT_TRUE(host->wait_for_line("agent PyAgent: restarted", 10s)) << host->output();
  EXPECT_NE(host->output().find("the program exited with status 3"), std::string::npos) << host->output();
  EXPECT_TRUE(eventually([&] { return not_running(first); }, 5s));

  reply = call("17512", "echo", "again");
  ASSERT_GE(reply.size(), 3u) << host->output();
  EXPECT_EQ(reply[1], "200");
  EXPECT_EQ(reply[2], "again");
  auto status = agent_entry(status_json(dir), "PyAgent");
  EXPECT_EQ(status.value("restarts", 0), 1) << status.dump();
  EXPECT_EQ(agent_entry(status_json(dir), "Caller").value("restarts", 0), 0);
  EXPECT_EQ(host->terminate(), 0) << host->output();
}

TEST(ProcessAgent, ProgramThatCannotRunFailsItsStartAndBlocksDependents) {
  TestDir dir;
  const std::string path = dir.write("host.yaml", host_section(dir, std::string("  bind: ") + kAddress + "\n") +
                                                      "agents:\n"
                                                      "  - { name: Missing, kind: process, command: "
                                                      "/nonexistent/agent-program }\n"
                                                      "  - { name: Caller, plugin: echo, dependencies: [Missing] }\n");
  auto host = start_host(path);
  ASSERT_TRUE(host->wait_for_line("startup complete: 0 ready, 1 failed, 1 blocked")) << host->output();
  EXPECT_TRUE(host->wait_for_line("cannot run '/nonexistent/agent-program': No such file or directory", 1s))
      << host->output();
  EXPECT_EQ(host->terminate(), 0) << host->output();
}

}  // namespace
}  // namespace agenthost::testing
