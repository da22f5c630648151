// A real Prometheus server scrapes the real host's /metrics: the exposition is not only
// well-formed but what Prometheus ingests and answers queries from. The host listens on
// 127.0.0.74, Prometheus on 127.0.0.72; no other test uses either address.

#include <set>

#include <gtest/gtest.h>

#include "support/eventually.hpp"
#include "support/host_fixture.hpp"
#include "support/http_get.hpp"
#include "support/local_tools.hpp"

namespace agenthost::testing {
namespace {

const std::set<std::string> kAgents = {"echo", "alpha", "beta", "gamma"};

std::string host_config(const TestDir& dir) {
  return config_with_admin(dir, "127.0.0.74", R"(
  - { name: echo, plugin: echo, port: auto }
  - { name: alpha, plugin: simulated }
  - { name: beta, plugin: simulated, config: { health: degraded } }
  - { name: gamma, plugin: simulated, dependencies: [alpha] }
)");
}

std::string prometheus_config(const TestDir& dir, const std::string& target) {
  return dir.write("prometheus.yml", R"(
global: { scrape_interval: 1s, evaluation_interval: 1s }
scrape_configs:
  - job_name: agenthost
    scrape_interval: 1s
    scrape_timeout: 1s
    static_configs:
      - targets: [")" + target + R"("]
)");
}

TEST(AdminPrometheus, ARealPrometheusScrapesEveryAgentsState) {
  const auto prometheus_bin = find_program("prometheus");
  if (!prometheus_bin) GTEST_SKIP() << "prometheus is not installed (Debian: apt-get install prometheus)";

  TestDir dir;
  auto host = start_host(host_config(dir));
  const std::string url = admin_url(*host);
  ASSERT_FALSE(url.empty()) << host->output();
  ASSERT_TRUE(host->wait_for_line("startup complete: 4 ready")) << host->output();

  const std::string target = url.substr(std::string("http://").size());
  const std::string web = "127.0.0.72:" + std::to_string(free_tcp_port("127.0.0.72"));
  ChildProcess prometheus({*prometheus_bin, "--config.file=" + prometheus_config(dir, target),
                           "--storage.tsdb.path=" + dir.file("tsdb"),
                           "--web.listen-address=" + web, "--log.level=warn"});
  const std::string api = "http://" + web;
  ASSERT_TRUE(eventually([&] { return http_get(api + "/-/ready", 1s).status == 200; }, 30s))
      << prometheus.output();

  // agent_state{state="ready"}, URL-encoded.
  const std::string query = api + "/api/v1/query?query=agent_state%7Bstate%3D%22ready%22%7D";
  nlohmann::json result;
  const bool scraped = eventually([&] {
    auto r = http_get(query, 2s);
    auto body = nlohmann::json::parse(r.body, nullptr, false);
    if (r.status != 200 || body.is_discarded() || body.value("status", "") != "success") return false;
    result = body.at("data").at("result");
    return result.size() >= kAgents.size();
  }, 30s);
  ASSERT_TRUE(scraped) << "Prometheus has not ingested the agents' states in 30 s; last result: "
                       << result.dump() << "\n" << prometheus.output();

  EXPECT_EQ(result.size(), kAgents.size()) << result.dump(2);
  std::set<std::string> agents;
  for (const auto& series : result) {
    const auto& labels = series.at("metric");
    agents.insert(labels.at("agent").get<std::string>());
    EXPECT_EQ(labels.at("job"), "agenthost");
    EXPECT_EQ(labels.at("instance"), target);
    EXPECT_EQ(series.at("value").at(1), "1") << "ready is the current state: " << series.dump();
  }
  EXPECT_EQ(agents, kAgents);

  auto up = nlohmann::json::parse(http_get(api + "/api/v1/query?query=up", 2s).body, nullptr, false);
  ASSERT_FALSE(up.is_discarded());
  ASSERT_EQ(up.at("data").at("result").size(), 1u) << up.dump();
  EXPECT_EQ(up.at("data").at("result")[0].at("value").at(1), "1") << "the scrape succeeded";

  EXPECT_EQ(prometheus.terminate(10s), 0) << prometheus.output();
  EXPECT_EQ(host->terminate(), 0) << host->output();
}

}  // namespace
}  // namespace agenthost::testing
