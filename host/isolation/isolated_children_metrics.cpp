// IsolatedChildren::collect_metrics(): isolated agents' own metrics, asked of their children.

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "isolation/isolated_children.hpp"
#include "messaging/ipc_endpoint.hpp"
#include "messaging/wire_protocol.hpp"
#include "observability/metric_families_json.hpp"

namespace agenthost::isolation {

std::vector<prometheus::MetricFamily> IsolatedChildren::collect_metrics(const std::vector<std::string>& agents) {
  std::vector<std::pair<std::string, std::shared_ptr<process::Ah1Caller>>> callers;
  {
    std::lock_guard lock(mu_);
    if (stopped_ || dir_.empty()) return {};
    const auto links = child_links(dir_);
    for (const auto& agent : agents) {
      auto& caller = metrics_callers_[agent];
      if (!caller)
        caller = std::make_shared<process::Ah1Caller>(messaging_.context(),
                                                      messaging::ipc_endpoint(links.child_dir, agent));
      callers.emplace_back(agent, caller);
    }
  }
  std::vector<prometheus::MetricFamily> out;
  for (const auto& [agent, caller] : callers) {
    std::string why;
    try {
      const auto reply = caller->call(messaging::kMetricsMethod, "", kMetricsTimeout);
      if (!reply) {
        why = fmt::format("no answer within {} ms", kMetricsTimeout.count());
      } else if (reply->status != messaging::kOk) {
        why = fmt::format("it answered {}: {}", reply->status, reply->body);
      } else {
        auto families = observability::families_from_json(reply->body);
        if (auto* error = std::get_if<std::string>(&families)) {
          why = *error;
        } else {
          auto& got = std::get<std::vector<prometheus::MetricFamily>>(families);
          std::move(got.begin(), got.end(), std::back_inserter(out));
        }
      }
    } catch (const std::exception& e) {  // a socket the ending context refused
      why = e.what();
    }
    if (!why.empty())
      spdlog::warn("metrics: the own metrics of isolated agent '{}' are not in this scrape: {}", agent, why);
  }
  return out;
}

}  // namespace agenthost::isolation
