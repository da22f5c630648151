// ChildProcess and the ready-command probe with /bin/sh: output lines, exit statuses seen at
// once, SIGTERM then SIGKILL, a program that cannot run.

#include <signal.h>

#include <chrono>
#include <algorithm>
#include <mutex>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "process/child_process.hpp"
#include "process/probe_command.hpp"

namespace agenthost::process {
namespace {

using namespace std::chrono_literals;

struct Captured {
  std::mutex mu;
  std::vector<std::string> lines;  // guarded by mu
  std::vector<ExitStatus> exits;   // guarded by mu

  OutputPump::LineSink line_sink() {
    return [this](Stream stream, std::string_view line) {
      std::lock_guard lock(mu);
      lines.push_back((stream == Stream::out ? "out: " : "err: ") + std::string(line));
    };
  }
  ChildProcess::ExitSink exit_sink() {
    return [this](const ExitStatus& status) {
      std::lock_guard lock(mu);
      exits.push_back(status);
    };
  }
};

LaunchSpec shell(std::string script) { return {"/bin/sh", {"-c", std::move(script)}, {}, ""}; }

TEST(ChildProcessTest, OutputLinesAndExitStatus) {
  Captured seen;
  LaunchSpec spec = shell("echo one; echo two >&2; printf 'no newline'; cd \"$PWD\"; echo \"$GREETING\"; exit 3");
  spec.env = {{"GREETING", "hello from env"}};
  spec.workdir = "/";
  {
    ChildProcess child(spec, seen.line_sink(), seen.exit_sink());
    EXPECT_GT(child.pid(), 0);
    ASSERT_TRUE(child.wait_for(5s));
    EXPECT_EQ(child.exit_status()->code, 3);
    EXPECT_EQ(child.exit_status()->describe(), "exited with status 3");
  }  // joins the pump: every line is in
  std::lock_guard lock(seen.mu);
  EXPECT_EQ(seen.exits.size(), 1u);
  EXPECT_NE(std::find(seen.lines.begin(), seen.lines.end(), "out: one"), seen.lines.end());
  EXPECT_NE(std::find(seen.lines.begin(), seen.lines.end(), "err: two"), seen.lines.end());
  EXPECT_NE(std::find(seen.lines.begin(), seen.lines.end(), "out: no newlinehello from env"), seen.lines.end());
}

TEST(ChildProcessTest, StopSendsSigtermFirst) {
  Captured seen;
  ChildProcess child(shell("trap 'echo got TERM; exit 0' TERM; while true; do sleep 0.05; done"), seen.line_sink(),
                     seen.exit_sink());
  std::this_thread::sleep_for(100ms);  // the trap must be installed: nothing to wait on
  EXPECT_FALSE(child.stop(5s));
  EXPECT_EQ(child.exit_status()->code, 0);
}

TEST(ChildProcessTest, StopKillsAProgramThatIgnoresSigterm) {
  Captured seen;
  ChildProcess child(shell("trap '' TERM; echo ready; while true; do sleep 0.05; done"), seen.line_sink(),
                     seen.exit_sink());
  for (int i = 0; i < 200; ++i) {  // until the trap is in place ("ready" comes after it)
    {
      std::lock_guard lock(seen.mu);
      if (!seen.lines.empty()) break;
    }
    std::this_thread::sleep_for(10ms);
  }
  const auto began = std::chrono::steady_clock::now();
  EXPECT_TRUE(child.stop(200ms));
  EXPECT_LT(std::chrono::steady_clock::now() - began, 3s);
  EXPECT_EQ(child.exit_status()->signal, SIGKILL);
}

TEST(ChildProcessTest, AProgramThatCannotRunThrows) {
  Captured seen;
  EXPECT_THROW(ChildProcess(LaunchSpec{"/nonexistent/program", {}, {}, ""}, seen.line_sink(), seen.exit_sink()),
               std::runtime_error);
  EXPECT_THROW(ChildProcess(LaunchSpec{"/bin/true", {}, {}, "/nonexistent/dir"}, seen.line_sink(), seen.exit_sink()),
               std::runtime_error);
}

TEST(ChildProcessTest, DestructorKillsARunningChild) {
  Captured seen;
  pid_t pid = -1;
  {
    ChildProcess child(shell("sleep 30"), seen.line_sink(), seen.exit_sink());
    pid = child.pid();
  }
  EXPECT_NE(kill(pid, 0), 0);
}

TEST(ProbeCommandTest, ExitStatusAndTimeout) {
  const LaunchSpec like{};
  EXPECT_TRUE(run_probe_command({"/bin/true"}, like, 2s).ok);
  auto failed = run_probe_command({"/bin/sh", "-c", "exit 4"}, like, 2s);
  EXPECT_FALSE(failed.ok);
  EXPECT_EQ(failed.detail, "the probe '/bin/sh' exited with status 4");
  auto slow = run_probe_command({"/bin/sleep", "5"}, like, 100ms);
  EXPECT_FALSE(slow.ok);
  EXPECT_EQ(slow.detail, "the probe '/bin/sleep' did not finish within 100ms");
}

}  // namespace
}  // namespace agenthost::process
