#pragma once
// Which instance of an agent takes the next call when it runs on several machines (replicas):
// the one with the fewest calls outstanding from this host (least outstanding requests), so a
// slow or stuck instance gets less work as its calls pile up. Ties go to this host's own
// instance (no network), then round robin. Instances this call already failed on, and those
// whose circuit is open, are taken only when nothing else is left.
//
// Threads: a pure function; the counts are read by the caller.

#include <cstddef>
#include <cstdint>
#include <span>

namespace agenthost::messaging {

struct InstanceCandidate {
  int outstanding = 0;  // calls from this host in flight to it
  bool local = false;   // runs in this host
  bool avoid = false;   // failed during this call, or its circuit is open
};

inline constexpr std::size_t kNoInstance = static_cast<std::size_t>(-1);

// The index of the chosen candidate; kNoInstance when there are none. `turn` rotates ties.
std::size_t choose_instance(std::span<const InstanceCandidate> candidates, std::uint64_t turn);

}  // namespace agenthost::messaging
