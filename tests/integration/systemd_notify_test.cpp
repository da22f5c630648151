// What the real host tells systemd through sd_notify: the test plays systemd's part with a
// datagram socket of its own in NOTIFY_SOCKET. The agents listen on 127.0.0.81, every port the
// kernel's choice.

#include <cstdlib>

#include <gtest/gtest.h>

#include "support/eventually.hpp"
#include "support/host_fixture.hpp"
#include "support/http_get.hpp"
#include "support/notify_socket.hpp"

namespace agenthost::testing {
namespace {

class SystemdNotify : public ::testing::Test {
 protected:
  void SetUp() override {
    // The host inherits this process's environment: none of systemd's, unless a test says so.
    for (const char* name : {"NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"}) ::unsetenv(name);
  }

  std::unique_ptr<ChildProcess> start(const std::string& agents,
                                      std::map<std::string, std::string> env) {
    const auto config = config_with_admin(dir_, "127.0.0.81", agents);
    std::vector<std::string> argv{AGENTHOST_BIN, "run", "--config", config, "--log-level", "debug"};
    return std::make_unique<ChildProcess>(argv, std::move(env));
  }

  static int count(const std::vector<NotifyMessage>& messages, const std::string& assignment) {
    int n = 0;
    for (const auto& m : messages) n += m.has(assignment);
    return n;
  }

  TestDir dir_;
};

TEST_F(SystemdNotify, ReadyOnceTheAgentsAreReadyThenKeepAlivesThenStopping) {
  NotifySocket systemd(dir_.file("notify.sock"));
  auto host = start(R"(
  - { name: quick, plugin: simulated, config: { init_ms: 10 } }
  - { name: slow, plugin: simulated, config: { init_ms: 400 }, dependencies: [quick] }
  - { name: echo, plugin: echo, port: auto }
)",
                    {{"NOTIFY_SOCKET", systemd.path()}, {"WATCHDOG_USEC", "400000"}});
  const std::string url = admin_url(*host);
  ASSERT_FALSE(url.empty()) << host->output();

  auto ready = systemd.wait_for("READY=1", 20s);
  ASSERT_TRUE(ready) << host->output();
  EXPECT_EQ(ready->value("STATUS").value_or("").rfind("3 agents ready in ", 0), 0u) << ready->text;
  // Start-up reported its progress before, and no keep-alive came before READY=1 (systemd
  // arms the watchdog when READY=1 arrives).
  const auto before_ready = systemd.received();
  ASSERT_GE(before_ready.size(), 2u);
  EXPECT_EQ(before_ready.front().value("STATUS"), "starting: 0/3 agents ready") << before_ready.front().text;
  EXPECT_EQ(count(before_ready, "WATCHDOG=1"), 0);

  // By READY=1 every agent is ready, for agentctl and for /readyz alike.
  auto status = status_json(dir_);
  ASSERT_TRUE(status.is_object()) << host->output();
  for (const auto& a : status.at("agents")) EXPECT_EQ(a.at("state"), "ready") << a.dump();
  EXPECT_EQ(http_get(url + "/readyz").status, 200);
  EXPECT_TRUE(host->wait_for_line("systemd watchdog: WATCHDOG=1 every 200 ms", 5s)) << host->output();

  // Keep-alives at half of WatchdogSec: the k-th is sent no sooner than k-1 periods after the
  // first (the schedule never runs ahead). Measured from here, on a drained socket; a late
  // receive of the first may shorten the span, hence 100 ms, not 200. How late they come
  // under load is not asserted, only bounded by the deadline.
  while (systemd.receive(0ms)) {
  }
  std::vector<std::chrono::steady_clock::time_point> pings;
  const auto until = std::chrono::steady_clock::now() + 20s;
  while (pings.size() < 6 && std::chrono::steady_clock::now() < until) {
    auto m = systemd.wait_for("WATCHDOG=1", 5s);
    if (!m) break;
    pings.push_back(m->received);
  }
  ASSERT_EQ(pings.size(), 6u) << host->output();
  EXPECT_GE(pings.back() - pings.front(), 5 * 100ms) << "keep-alives come faster than every 200 ms";

  host->signal(SIGTERM);
  auto stopping = systemd.wait_for("STOPPING=1", 20s);
  ASSERT_TRUE(stopping) << host->output();
  EXPECT_EQ(stopping->value("STATUS"), "stopping 3 agents");
  EXPECT_EQ(host->wait_exit(), 0) << host->output();
  // Sent from the same thread as the keep-alives: none follows STOPPING=1.
  while (systemd.receive(0ms)) {
  }
  EXPECT_FALSE(systemd.received().back().has("WATCHDOG=1")) << systemd.received().back().text;
}

TEST_F(SystemdNotify, ReadyAlsoWhenAnAgentFailedAndSaysSo) {
  NotifySocket systemd(dir_.file("notify.sock"));
  // WATCHDOG_PID names another process: the keep-alives are not this host's to send.
  auto host = start(R"(
  - { name: fine, plugin: echo }
  - { name: broken, plugin: throw_in_start }
  - { name: needs_broken, plugin: echo, dependencies: [broken] }
)",
                    {{"NOTIFY_SOCKET", systemd.path()}, {"WATCHDOG_USEC", "400000"}, {"WATCHDOG_PID", "1"}});
  auto ready = systemd.wait_for("READY=1", 20s);
  ASSERT_TRUE(ready) << host->output();
  EXPECT_EQ(ready->value("STATUS").value_or("").rfind("1 of 3 agents ready in ", 0), 0u) << ready->text;
  EXPECT_NE(ready->text.find("; 1 failed, 1 blocked (agentctl status)"), std::string::npos) << ready->text;

  ASSERT_TRUE(host->wait_for_line("startup complete: 1 ready, 1 failed, 1 blocked")) << host->output();
  host->signal(SIGTERM);
  ASSERT_TRUE(systemd.wait_for("STOPPING=1", 20s)) << host->output();
  EXPECT_EQ(host->wait_exit(), 0) << host->output();
  EXPECT_EQ(count(systemd.received(), "WATCHDOG=1"), 0);
  EXPECT_EQ(host->output().find("systemd watchdog"), std::string::npos) << host->output();
}

TEST_F(SystemdNotify, WithoutNotifySocketTheHostRunsAsAlways) {
  // WATCHDOG_USEC alone (no NOTIFY_SOCKET) is not systemd asking for keep-alives.
  auto host = start("  - { name: fine, plugin: echo }\n", {{"WATCHDOG_USEC", "400000"}});
  ASSERT_TRUE(host->wait_for_line("startup complete: 1 ready")) << host->output();
  EXPECT_TRUE(eventually([&] { return status_json(dir_).is_object(); }, 5s));
  EXPECT_EQ(host->terminate(), 0) << host->output();
  EXPECT_EQ(host->output().find("systemd"), std::string::npos) << host->output();
}

}  // namespace
}  // namespace agenthost::testing
