#include "observability/host_metrics.hpp"

#include <prometheus/text_serializer.h>

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
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace agenthost::observability
