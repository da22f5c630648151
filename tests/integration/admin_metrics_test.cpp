// /metrics of the real host binary after real requests over ZeroMQ: the request counters and
// histograms by agent, method and status, the agents' states, and an exposition that
// Prometheus' own checker (promtool) accepts. Each test has its own address (echo's port is
// fixed, to call it), so the two may run at the same time.

#include <set>

#include <gtest/gtest.h>

#include "support/agent_request.hpp"
#include "support/eventually.hpp"
#include "support/host_fixture.hpp"
#include "support/http_get.hpp"
#include "support/local_tools.hpp"
#include "support/prometheus_text.hpp"

namespace agenthost::testing {
namespace {

const std::set<std::string> kAgents = {"echo", "alpha", "beta"};

std::string metrics_config(const TestDir& dir, const std::string& address) {
  return config_with_admin(dir, address, R"(
  - { name: echo, plugin: echo, port: 17100 }
  - { name: alpha, plugin: simulated }
  - { name: beta, plugin: simulated, dependencies: [alpha], config: { init_ms: 20 } }
)");
}

// Calls echo: 3 answered, 2 that throw (500), 1 to a method it does not have (404).
void make_some_requests(const std::string& address) {
  zmq::context_t context;
  const std::string endpoint = "tcp://" + address + ":17100";
  for (int i = 0; i < 3; ++i) {
    auto r = request(context, endpoint, {"AH1", "echo", "hi"});
    ASSERT_EQ(r.size(), 3u);
    EXPECT_EQ(r[1], "200");
  }
  for (int i = 0; i < 2; ++i) {
    auto r = request(context, endpoint, {"AH1", "fail", "on purpose"});
    ASSERT_EQ(r.size(), 3u);
    EXPECT_EQ(r[1], "500");
  }
  auto r = request(context, endpoint, {"AH1", "no_such_method", ""});
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[1], "404");
}

class AdminMetrics : public ::testing::Test {
 protected:
  // The host with its agents on `address`, started; then echo called as above.
  void start_and_call(const std::string& address) {
    host_ = start_host(metrics_config(dir_, address));
    url_ = admin_url(*host_);
    ASSERT_FALSE(url_.empty()) << host_->output();
    ASSERT_TRUE(host_->wait_for_line("startup complete: 3 ready")) << host_->output();
    make_some_requests(address);
  }
  void TearDown() override {
    if (host_) {
      EXPECT_EQ(host_->terminate(), 0) << host_->output();
    }
  }

  std::string metrics_text() {
    auto r = http_get(url_ + "/metrics");
    EXPECT_EQ(r.status, 200) << r.error;
    EXPECT_EQ(r.headers["content-type"].rfind("text/plain; version=0.0.4", 0), 0u)
        << r.headers["content-type"];
    return r.body;
  }

  TestDir dir_;
  std::unique_ptr<ChildProcess> host_;
  std::string url_;
};

TEST_F(AdminMetrics, CountRequestsByMethodAndStatusAndShowEveryAgentsState) {
  ASSERT_NO_FATAL_FAILURE(start_and_call("127.0.0.73"));
  std::vector<MetricSample> m;
  // The reply leaves before the counter moves (by microseconds): poll until every one has.
  ASSERT_TRUE(eventually([&] {
    m = parse_metrics(metrics_text());
    return sample_value(m, "agent_requests_total", {{"agent", "echo"}, {"method", "echo"}}) == 3.0 &&
           sample_value(m, "agent_requests_total", {{"agent", "echo"}, {"method", "fail"}}) == 2.0 &&
           sample_value(m, "agent_requests_total", {{"agent", "echo"}, {"method", "(unknown)"}}) == 1.0;
  }, 5s)) << metrics_text();

  using Labels = std::map<std::string, std::string>;
  const Labels echo_ok{{"agent", "echo"}, {"method", "echo"}, {"status", "200"}};
  const Labels echo_thrown{{"agent", "echo"}, {"method", "fail"}, {"status", "500"}};
  // An unknown method is counted under one label value, not under whatever a caller sent.
  const Labels echo_unknown{{"agent", "echo"}, {"method", "(unknown)"}, {"status", "404"}};
  EXPECT_EQ(sample_value(m, "agent_requests_total", echo_ok), 3.0);
  EXPECT_EQ(sample_value(m, "agent_requests_total", echo_thrown), 2.0);
  EXPECT_EQ(sample_value(m, "agent_requests_total", echo_unknown), 1.0);
  EXPECT_TRUE(find_samples(m, "agent_requests_total", {{"method", "no_such_method"}}).empty());
  EXPECT_EQ(sample_value(m, "agent_request_duration_seconds_count",
                         {{"agent", "echo"}, {"method", "echo"}}), 3.0);
  EXPECT_EQ(sample_value(m, "agent_request_duration_seconds_count",
                         {{"agent", "echo"}, {"method", "fail"}}), 2.0);
  EXPECT_EQ(sample_value(m, "agent_request_duration_seconds_bucket",
                         {{"agent", "echo"}, {"method", "echo"}, {"le", "+Inf"}}), 3.0);
  EXPECT_GE(sample_value(m, "agent_errors_total", {{"agent", "echo"}, {"severity", "error"}})
                .value_or(0), 2.0);

  for (const auto& agent : kAgents) {
    EXPECT_EQ(sample_value(m, "agent_state", {{"agent", agent}, {"state", "ready"}}), 1.0) << agent;
    double states = 0;  // exactly one state is current
    for (const auto& s : find_samples(m, "agent_state", {{"agent", agent}})) states += s.value;
    EXPECT_EQ(states, 1.0) << agent;
  }
  EXPECT_EQ(sample_value(m, "agenthost_agents", {{"state", "ready"}}), 3.0);
  EXPECT_GT(sample_value(m, "agenthost_startup_seconds").value_or(0), 0.0);
}

TEST_F(AdminMetrics, PromtoolAcceptsTheExposition) {
  const auto promtool = find_program("promtool");
  if (!promtool) GTEST_SKIP() << "promtool is not installed (Debian: apt-get install prometheus)";
  ASSERT_NO_FATAL_FAILURE(start_and_call("127.0.0.77"));
  const std::string text = metrics_text();
  ASSERT_FALSE(text.empty());
  const std::string file = dir_.write("metrics.txt", text);
  // promtool reads the exposition on stdin and exits non-zero on any problem.
  auto check = run_command({"/bin/sh", "-c",
                            "exec " + shell_quote(*promtool) + " check metrics < " +
                                shell_quote(file)},
                           {}, 20s);
  EXPECT_EQ(check.exit_code, 0) << check.output;
  EXPECT_EQ(check.output, "") << "promtool has remarks";
}

}  // namespace
}  // namespace agenthost::testing
