#pragma once
// How far start-up has got, for whoever wants to show it while it runs (systemd's STATUS=),
// and the throttle that keeps such reports to a few a second: a report costs a syscall on the
// control thread, which also launches the next starts.

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>

namespace agenthost::runtime {

struct StartupProgress {
  std::size_t total = 0;  // agents this host runs
  std::size_t ready = 0, failed = 0, blocked = 0;
  bool operator==(const StartupProgress&) const = default;
};

// Called on the control thread, without the runtime's lock; must not call back into the host.
using StartupProgressFn = std::function<void(const StartupProgress&)>;

// Decides when a changed progress is reported: at once if the last report is at least
// `min_gap` old, else when it is. Only the control thread uses it.
class ProgressThrottle {
 public:
  using Clock = std::chrono::steady_clock;
  explicit ProgressThrottle(std::chrono::milliseconds min_gap) : min_gap_(min_gap) {}

  // The progress to report now, if any (remembered as reported).
  std::optional<StartupProgress> take(const StartupProgress& now, Clock::time_point at);
  // When to look again for a change that had to wait; nullopt when none waits.
  std::optional<Clock::time_point> next_due() const;

 private:
  std::chrono::milliseconds min_gap_;
  std::optional<StartupProgress> reported_;
  std::optional<Clock::time_point> reported_at_;
  bool waiting_ = false;  // a change not yet reported
};

}  // namespace agenthost::runtime
