// config/grafana/agenthost-dashboard.json: every metric its queries use is one the host
// exports, so the dashboard cannot silently drift from the metrics.

#include <cstring>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <zmq.hpp>

#include "errors/error_bus.hpp"
#include "errors/error_collector.hpp"
#include "errors/error_forwarder.hpp"
#include "observability/host_metrics.hpp"

namespace agenthost::observability {
namespace {

// The family names in a full exposition: a host view, and one request so that the request
// families have a series.
std::set<std::string> exported_families() {
  HostMetrics metrics;
  metrics.set_view({[] {
                      runtime::HostSnapshot s;
                      s.startup_completed_at = 1;
                      runtime::AgentSnapshot a;
                      a.name = "A";
                      a.timings.load_begin = 0;
                      a.timings.ready_at = 1;
                      s.agents = {a};
                      return s;
                    },
                    [] { return std::size_t{1}; }, [] { return SocketPool::Counts{}; },
                    [] { return messaging::SocketLoopCounters{}; }});
  metrics.requests().observer_for("A")->observe("m", 500, std::chrono::milliseconds(1));
  metrics.requests().errors("A", "error").Increment();  // the error bus counts here
  // The error bus's own families: constructed (they register), never started.
  errors::ErrorBus bus("m", 10, metrics.registry(), {});
  bus.report("A", "m", agenthost::Severity::error, "x", {}, false);
  zmq::context_t context;
  errors::ErrorForwarder forwarder(context, "m", {.endpoint = "inproc://nowhere"}, metrics.registry());
  errors::ErrorCollector collector(context, "inproc://collector", bus, metrics.registry());
  std::set<std::string> names;
  std::istringstream text(metrics.exposition());
  for (std::string line; std::getline(text, line);)
    if (line.starts_with("# TYPE ")) names.insert(line.substr(7, line.find(' ', 7) - 7));
  return names;
}

TEST(GrafanaDashboardTest, EveryQueryUsesExportedMetrics) {
  std::ifstream file(AGENTHOST_SOURCE_DIR "/config/grafana/agenthost-dashboard.json");
  ASSERT_TRUE(file) << "config/grafana/agenthost-dashboard.json is missing";
  const auto dashboard = nlohmann::json::parse(file);
  const auto exported = exported_families();
  const std::regex metric(R"(\b(agent|agenthost)_[a-z_]+\b)");
  std::set<int> ids;
  int queries = 0;
  for (const auto& panel : dashboard.at("panels")) {
    EXPECT_TRUE(ids.insert(panel.at("id").get<int>()).second) << "duplicate panel id";
    for (const auto& target : panel.at("targets")) {
      const std::string expr = target.at("expr");
      ++queries;
      for (std::sregex_iterator it(expr.begin(), expr.end(), metric), end; it != end; ++it) {
        std::string name = it->str();
        for (const char* suffix : {"_bucket", "_count", "_sum"})
          if (name.ends_with(suffix) && !exported.contains(name)) name.resize(name.size() - std::strlen(suffix));
        EXPECT_TRUE(exported.contains(name))
            << "panel '" << panel.at("title").get<std::string>() << "' uses " << it->str()
            << ", which the host does not export";
      }
    }
  }
  EXPECT_GE(queries, 10);
  // The issue's panels: request rate, error rate, latency, health, restarts, start-up time.
  const std::string all = dashboard.dump();
  for (const char* used : {"agent_requests_total", "agent_request_duration_seconds_bucket",
                           "agent_health_status", "agent_restarts_total",
                           "agent_start_duration_seconds", "agenthost_startup_seconds"})
    EXPECT_NE(all.find(used), std::string::npos) << used;
}

}  // namespace
}  // namespace agenthost::observability
