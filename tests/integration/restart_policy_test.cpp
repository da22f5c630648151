// Supervision with the real binary (127.0.0.91, ports 17501-17509): liveness failures restart
// an agent alone (its dependents stay, and hear about it), the start limit fails it until
// `agentctl restart`, `restart: never` leaves an agent be, a pending back-off does not delay
// shutdown, and `agentctl restart` starts an agent that failed at start-up. The flaky test plugin turns unhealthy on request and can fail its restarts.

#include <chrono>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>
#include <zmq.hpp>

#include "support/agent_request.hpp"
#include "support/eventually.hpp"
#include "support/host_fixture.hpp"

namespace agenthost::testing {
namespace {

std::string call(zmq::context_t& context, int port, const std::string& method) {
  auto reply = request(context, "tcp://127.0.0.91:" + std::to_string(port), {"AH1", method, "", "3000", ""});
  if (reply.size() < 3) return "no reply";
  return reply[1] == "200" ? reply[2] : reply[1] + " " + reply[2];
}

std::string write_config(const TestDir& dir, const std::string& agents) {
  return dir.write("host.yaml", host_section(dir, "  bind: 127.0.0.91\n") + "agents:\n" + agents);
}

nlohmann::json agent(const TestDir& dir, const std::string& name) {
  auto status = status_json(dir);
  return status.is_object() ? agent_entry(status, name) : nlohmann::json();
}

TEST(RestartPolicy, LivenessRestartsTheAgentAloneAndItsDependentsHearOfIt) {
  TestDir dir;
  auto host = start_host(write_config(dir,
                                      "  - { name: Flaky, plugin: flaky, port: 17501, liveness: { failure_threshold: 2 },\n"
                                      "      restart_backoff: { initial: 50ms, max: 200ms } }\n"
                                      "  - { name: User, plugin: flaky, port: 17502, dependencies: [Flaky] }\n"));
  ASSERT_TRUE(host->wait_for_line("startup complete: 2 ready")) << host->output();
  zmq::context_t context;
  ASSERT_EQ(call(context, 17501, "starts"), "1");
  ASSERT_EQ(call(context, 17501, "sick"), "ok");
  ASSERT_TRUE(eventually([&] { return call(context, 17501, "starts") == "2"; }, 5s)) << host->output();
  ASSERT_TRUE(eventually([&] { return agent(dir, "Flaky").value("state", "") == "ready"; }, 5s)) << host->output();
  EXPECT_EQ(agent(dir, "Flaky").value("restarts", 0), 1);
  EXPECT_EQ(agent(dir, "User").value("restarts", 0), 0);
  EXPECT_TRUE(eventually([&] { return call(context, 17502, "events") == "restarting Flaky;restarted Flaky;"; }, 5s))
      << call(context, 17502, "events");
  EXPECT_EQ(call(context, 17502, "starts"), "1") << "the dependent was not restarted";
  EXPECT_NE(host->output().find("liveness: unhealthy for 2 health polls in a row"), std::string::npos)
      << host->output();
  EXPECT_EQ(host->terminate(), 0) << host->output();
}

TEST(RestartPolicy, TheStartLimitFailsTheAgentUntilAgentctlRestart) {
  TestDir dir;
  auto host = start_host(write_config(dir,
                                      "  - name: Flaky\n"
                                      "    plugin: flaky\n"
                                      "    port: 17503\n"
                                      "    config: { fail_restarts: 3 }\n"
                                      "    restart_backoff: { initial: 20ms, max: 50ms }\n"
                                      "    start_limit: { burst: 2, interval: 60s }\n"
                                      "    liveness: { failure_threshold: 1 }\n"
                                      "  - { name: User, plugin: flaky, port: 17504, dependencies: [Flaky] }\n"));
  ASSERT_TRUE(host->wait_for_line("startup complete: 2 ready")) << host->output();
  zmq::context_t context;
  ASSERT_EQ(call(context, 17503, "sick"), "ok");
  // Restarts 1 and 2 fail (starts 2 and 3 throw); a third would pass the burst of 2.
  ASSERT_TRUE(host->wait_for_line("start limit hit: 2 restarts within 60.0s", 5s)) << host->output();
  ASSERT_TRUE(eventually([&] { return agent(dir, "Flaky").value("state", "") == "failed"; }, 5s)) << host->output();
  EXPECT_NE(agent(dir, "Flaky").value("reason", "").find("agentctl restart Flaky"), std::string::npos);
  EXPECT_EQ(call(context, 17503, "starts").substr(0, 3), "503");
  ASSERT_TRUE(eventually([&] { return call(context, 17504, "events").ends_with("failed Flaky;"); }, 5s))
      << call(context, 17504, "events");
  EXPECT_EQ(agent(dir, "User").value("state", ""), "ready");

  // The operator's restart clears the limit: start 4 still throws, the back-off retries, start 5 runs.
  auto restarted = agentctl(dir, {"restart", "Flaky"});
  EXPECT_EQ(restarted.exit_code, 0) << restarted.output;
  ASSERT_TRUE(eventually([&] { return agent(dir, "Flaky").value("state", "") == "ready"; }, 5s)) << host->output();
  EXPECT_EQ(call(context, 17503, "starts"), "5");
  EXPECT_EQ(agent(dir, "Flaky").value("restarts", 0), 1);
  EXPECT_TRUE(eventually([&] { return call(context, 17504, "events").ends_with("restarted Flaky;"); }, 5s))
      << call(context, 17504, "events");
  auto unknown = agentctl(dir, {"restart", "Nobody"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.output.find("no agent 'Nobody'"), std::string::npos) << unknown.output;
  EXPECT_EQ(host->terminate(), 0) << host->output();
}

TEST(RestartPolicy, NeverLeavesAnUnhealthyAgentRunningButAgentctlRestartStillWorks) {
  TestDir dir;
  auto host = start_host(write_config(
      dir, "  - { name: Steady, plugin: flaky, port: 17505, restart: never, liveness: { failure_threshold: 1 } }\n"));
  ASSERT_TRUE(host->wait_for_line("startup complete: 1 ready")) << host->output();
  zmq::context_t context;
  ASSERT_EQ(call(context, 17505, "sick"), "ok");
  ASSERT_TRUE(host->wait_for_line("not restarted (restart: never)", 5s)) << host->output();
  EXPECT_EQ(call(context, 17505, "starts"), "1");
  EXPECT_EQ(agent(dir, "Steady").value("state", ""), "ready");
  auto restarted = agentctl(dir, {"restart", "Steady"});
  EXPECT_EQ(restarted.exit_code, 0) << restarted.output;
  ASSERT_TRUE(eventually([&] { return call(context, 17505, "starts") == "2"; }, 5s)) << host->output();
  EXPECT_EQ(agent(dir, "Steady").value("restarts", 0), 1);
  EXPECT_EQ(host->terminate(), 0) << host->output();
}

TEST(RestartPolicy, AgentctlRestartStartsAnAgentThatFailedAtStartUpAndThoseBlockedBehindIt) {
  TestDir dir;
  const auto broken = dir.write("broken", "");
  auto host = start_host(write_config(dir,
                                      "  - { name: Shaky, plugin: flaky, port: 17507, config: { fail_while: " + broken +
                                          " } }\n"
                                      "  - { name: Behind, plugin: echo, port: 17508, dependencies: [Shaky] }\n"));
  ASSERT_TRUE(host->wait_for_line("startup complete: 0 ready, 1 failed, 1 blocked")) << host->output();
  EXPECT_EQ(agent(dir, "Behind").value("state", ""), "blocked");
  std::filesystem::remove(broken);  // mended
  auto restarted = agentctl(dir, {"restart", "Shaky"});
  EXPECT_EQ(restarted.exit_code, 0) << restarted.output;
  ASSERT_TRUE(eventually([&] { return agent(dir, "Behind").value("state", "") == "ready"; }, 10s)) << host->output();
  EXPECT_EQ(agent(dir, "Shaky").value("state", ""), "ready");
  zmq::context_t context;
  EXPECT_EQ(call(context, 17507, "starts"), "1") << "a fresh load of its library";
  auto again = agentctl(dir, {"restart", "Nobody"});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_EQ(host->terminate(), 0) << host->output();
}

TEST(RestartPolicy, APendingBackOffDoesNotDelayShutdown) {
  TestDir dir;
  auto host = start_host(write_config(dir,
                                      "  - { name: Slow, plugin: flaky, port: 17506, liveness: { failure_threshold: 1 },\n"
                                      "      restart_backoff: { initial: 60s, max: 60s, jitter: 0 } }\n"));
  ASSERT_TRUE(host->wait_for_line("startup complete: 1 ready")) << host->output();
  zmq::context_t context;
  ASSERT_EQ(call(context, 17506, "sick"), "ok");
  ASSERT_TRUE(host->wait_for_line("agent Slow: restarting in 60.0s", 5s)) << host->output();
  const auto begin = std::chrono::steady_clock::now();
  EXPECT_EQ(host->terminate(), 0) << host->output();
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 5s);
}

}  // namespace
}  // namespace agenthost::testing
