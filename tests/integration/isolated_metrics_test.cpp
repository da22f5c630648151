// An isolated agent's own metrics (ctx.metrics()) are served at the host's /metrics like any
// agent's, on loopback 127.0.0.95 (ports 17543-17544): two echo agents, one in the host and
// one in a child agenthost, each counting its echoed bytes in the same family. The host asks
// the child for its families (agenthost.metrics) at each scrape and merges them, so the
// exposition names the family once and promtool accepts it.

#include <signal.h>

#include <algorithm>

#include <gtest/gtest.h>

#include "support/agent_request.hpp"
#include "support/eventually.hpp"
#include "support/host_fixture.hpp"
#include "support/http_get.hpp"
#include "support/local_tools.hpp"
#include "support/proc_tasks.hpp"
#include "support/prometheus_text.hpp"

namespace agenthost::testing {
namespace {

constexpr const char* kAddress = "127.0.0.95";

std::string echo(const std::string& port, const std::string& payload) {
  zmq::context_t context;
  auto reply = request(context, std::string("tcp://") + kAddress + ":" + port, {"AH1", "echo", payload, "3000"});
  return reply.size() >= 3 && reply[1] == "200" ? reply[2] : "";
}

std::size_t occurrences(const std::string& text, const std::string& word) {
  std::size_t count = 0;
  for (auto at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) ++count;
  return count;
}

// Every thread of `pid` is in the stopped state.
bool all_threads_stopped(int pid) {
  const auto tasks = tasks_of(pid);
  return !tasks.empty() && std::all_of(tasks.begin(), tasks.end(), [](const TaskInfo& t) { return t.state == 'T'; });
}

TEST(IsolatedMetrics, AnIsolatedAgentsOwnMetricsAreOnTheHostsMetricsPage) {
  TestDir dir;
  const auto file = config_with_admin(dir, kAddress,
                                      "  - { name: Near, plugin: echo, port: 17543 }\n"
                                      "  - { name: Far, plugin: echo, port: 17544, isolation: process }\n");
  auto host = start_host(file);
  ASSERT_TRUE(host->wait_for_line("startup complete: 2 ready")) << host->output();
  const auto url = admin_url(*host) + "/metrics";

  ASSERT_EQ(echo("17543", "12345"), "12345");
  ASSERT_EQ(echo("17544", "1234567"), "1234567");
  ASSERT_EQ(echo("17544", "123"), "123");
  {
    zmq::context_t context;
    auto unknown = request(context, std::string("tcp://") + kAddress + ":17544", {"AH1", "no_such", "", "3000"});
    ASSERT_GE(unknown.size(), 2u);
    EXPECT_EQ(unknown[1], "404");
  }

  std::string text;
  std::vector<MetricSample> samples;
  ASSERT_TRUE(eventually([&] {
    auto response = http_get(url);
    text = response.body;
    samples = parse_metrics(text);
    // The host counts a request after its reply has left: wait for the last one too.
    return sample_value(samples, "echo_payload_bytes_total", {{"agent", "Far"}}).has_value() &&
           sample_value(samples, "agent_requests_total", {{"agent", "Far"}, {"method", "(unknown)"}}) == 1.0;
  }, 5s)) << text << host->output();
  EXPECT_EQ(sample_value(samples, "echo_payload_bytes_total", {{"agent", "Near"}}), 5.0);
  EXPECT_EQ(sample_value(samples, "echo_payload_bytes_total", {{"agent", "Far"}}), 10.0);
  // One family with both agents' series, not one per process.
  EXPECT_EQ(occurrences(text, "# TYPE echo_payload_bytes_total counter"), 1u) << text;
  // The host counts the requests it forwarded to the child by method, as for any agent; a
  // method the child does not have is its 404 and counted as (unknown).
  EXPECT_EQ(sample_value(samples, "agent_requests_total", {{"agent", "Far"}, {"method", "echo"}, {"status", "200"}}),
            2.0);
  EXPECT_EQ(sample_value(samples, "agent_request_duration_seconds_count", {{"agent", "Far"}, {"method", "echo"}}), 2.0);

  if (const auto promtool = find_program("promtool")) {
    const std::string saved = dir.write("metrics.txt", text);
    auto check = run_command({"/bin/sh", "-c", "exec " + shell_quote(*promtool) + " check metrics < " + shell_quote(saved)},
                             {}, 20s);
    EXPECT_EQ(check.exit_code, 0) << check.output;
    EXPECT_EQ(check.output, "") << "promtool has remarks";
  }

  EXPECT_EQ(sample_value(samples, "agent_requests_total", {{"agent", "Far"}, {"method", "(unknown)"}, {"status", "404"}}),
            1.0);

  // The values are the child's current ones at every scrape.
  ASSERT_EQ(echo("17544", "12"), "12");
  EXPECT_TRUE(eventually([&] {
    return sample_value(parse_metrics(http_get(url).body), "echo_payload_bytes_total", {{"agent", "Far"}}) == 12.0;
  }, 5s));

  // A child that cannot answer (stopped) costs the scrape its series and a bounded wait, not
  // the page.
  const auto children = children_of(host->pid());
  ASSERT_EQ(children.size(), 1u);
  ASSERT_EQ(kill(children[0], SIGSTOP), 0);
  // kill() returns before the child has stopped: a group stop reaches its threads as each
  // next runs, and under load its socket threads could still answer a scrape meanwhile.
  ASSERT_TRUE(eventually([&] { return all_threads_stopped(children[0]); }, 5s));
  const auto scraped = http_get(url);
  kill(children[0], SIGCONT);
  EXPECT_EQ(scraped.status, 200);
  EXPECT_LT(scraped.took, 2s);
  const auto while_stopped = parse_metrics(scraped.body);
  EXPECT_FALSE(sample_value(while_stopped, "echo_payload_bytes_total", {{"agent", "Far"}}).has_value())
      << host->output();
  EXPECT_EQ(sample_value(while_stopped, "echo_payload_bytes_total", {{"agent", "Near"}}), 5.0);

  EXPECT_EQ(host->terminate(), 0) << host->output();
}

}  // namespace
}  // namespace agenthost::testing
