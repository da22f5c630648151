// SIGINT/SIGTERM stop agents in reverse dependency order; a second signal forces the exit.

#include <signal.h>

#include <gtest/gtest.h>

#include "support/host_fixture.hpp"

namespace agenthost::testing {
namespace {

// Index of the first log line containing `needle`, or -1.
int line_index(const std::vector<std::string>& lines, const std::string& needle) {
  for (std::size_t i = 0; i < lines.size(); ++i)
    if (lines[i].find(needle) != std::string::npos) return int(i);
  return -1;
}

TEST(Shutdown, DependentsStopBeforeTheirDependencies) {
  TestDir dir;
  // db <- cache <- api;  db <- worker. Each stop takes 50 ms so that order is visible.
  auto config = dir.write("host.yaml", host_section(dir) + R"(
agents:
  - { name: db, plugin: simulated, config: { stop_ms: 50 } }
  - { name: cache, plugin: simulated, dependencies: [db], config: { stop_ms: 50 } }
  - { name: api, plugin: simulated, dependencies: [cache], config: { stop_ms: 50 } }
  - { name: worker, plugin: simulated, dependencies: [db], config: { stop_ms: 50 } }
)");
  auto host = start_host(config);
  ASSERT_TRUE(host->wait_for_line("startup complete: 4 ready")) << host->output();
  host->signal(SIGINT);
  ASSERT_EQ(host->wait_exit(), 0) << host->output();
  auto lines = host->lines();
  auto stopping = [&](const std::string& a) { return line_index(lines, "agent " + a + ": ready -> stopping"); };
  auto stopped = [&](const std::string& a) { return line_index(lines, "agent " + a + ": stopping -> stopped"); };
  for (auto a : {"db", "cache", "api", "worker"}) {
    ASSERT_GE(stopping(a), 0) << a << "\n" << host->output();
    ASSERT_GE(stopped(a), 0) << a;
  }
  EXPECT_LT(stopped("api"), stopping("cache"));
  EXPECT_LT(stopped("cache"), stopping("db"));
  EXPECT_LT(stopped("worker"), stopping("db"));
  // api and worker have no dependents: they stop in parallel, before cache is done.
  EXPECT_LT(stopping("worker"), stopped("api"));
  EXPECT_TRUE(host->wait_for_line("shutdown complete: 4 agents stopped", 1s));
}

TEST(Shutdown, StopDuringStartupLetsStartsInFlightSettleThenStops) {
  TestDir dir;
  auto config = dir.write("host.yaml", host_section(dir) + R"(
agents:
  - { name: first, plugin: simulated, config: { init_ms: 300 } }
  - { name: second, plugin: simulated, dependencies: [first] }
)");
  auto host = start_host(config);
  ASSERT_TRUE(host->wait_for_line("agent first: configured -> starting")) << host->output();
  host->signal(SIGTERM);
  ASSERT_EQ(host->wait_exit(), 0) << host->output();
  auto out = host->output();
  EXPECT_NE(out.find("interrupted by a stop request"), std::string::npos) << out;
  EXPECT_NE(out.find("agent first: stopping -> stopped"), std::string::npos) << out;
  EXPECT_EQ(out.find("agent second: configured"), std::string::npos) << "second never starts";
}

TEST(Shutdown, ASecondSignalForcesTheExit) {
  TestDir dir;
  auto config = dir.write("host.yaml", host_section(dir) + R"(
agents:
  - { name: hangs, plugin: hang_in_start }
)");
  auto host = start_host(config);
  ASSERT_TRUE(host->wait_for_line("agent hangs: configured -> starting")) << host->output();
  host->signal(SIGTERM);
  ASSERT_TRUE(host->wait_for_line("stop requested"));
  EXPECT_FALSE(host->wait_exit(300ms)) << "the first signal waits for the start in flight";
  host->signal(SIGTERM);
  EXPECT_EQ(host->wait_exit(5s), 1) << host->output();
  EXPECT_NE(host->output().find("second stop signal"), std::string::npos);
}

}  // namespace
}  // namespace agenthost::testing
