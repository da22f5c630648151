#include "messaging/instance_choice.hpp"

#include <tuple>

namespace agenthost::messaging {

std::size_t choose_instance(std::span<const InstanceCandidate> candidates, std::uint64_t turn) {
  if (candidates.empty()) return kNoInstance;
  const std::size_t n = candidates.size();
  const std::size_t first = static_cast<std::size_t>(turn % n);
  std::size_t best = kNoInstance;
  // Smaller is better: avoided last, then fewest outstanding, then this host's own.
  auto rank = [&](std::size_t i) {
    const auto& c = candidates[i];
    return std::make_tuple(c.avoid, c.outstanding, !c.local);
  };
  for (std::size_t k = 0; k < n; ++k) {  // from `first` on: equal ranks go round robin
    const std::size_t i = (first + k) % n;
    if (best == kNoInstance || rank(i) < rank(best)) best = i;
  }
  return best;
}

}  // namespace agenthost::messaging
