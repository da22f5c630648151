#include "observability/host_metrics.hpp"

#include <prometheus/text_serializer.h>
#include <spdlog/spdlog.h>

#include "observability/family_merge.hpp"

namespace agenthost::observability {

HostMetrics::HostMetrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      requests_(*registry_),
      agent_families_(*registry_) {}

void HostMetrics::set_view(HostView view) { view_ = std::make_unique<HostCollector>(std::move(view)); }

std::string HostMetrics::exposition() const {
  auto families = registry_->Collect();
  auto requests = requests_.Collect();
  families.insert(families.end(), std::make_move_iterator(requests.begin()),
                  std::make_move_iterator(requests.end()));
  if (view_) {
    auto more = view_->Collect();
    families.insert(families.end(), std::make_move_iterator(more.begin()),
                    std::make_move_iterator(more.end()));
  }
  if (children_) {
    for (auto& why : merge_families(families, children_())) {
      std::lock_guard lock(warned_mu_);
      if (warned_.insert(why).second) spdlog::warn("metrics: an isolated agent's family left out of /metrics: {}", why);
    }
  }
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace agenthost::observability
