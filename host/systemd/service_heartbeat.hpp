#pragma once
// What the host keeps telling systemd once start-up has finished: WATCHDOG=1 at half the
// unit's WatchdogSec, but only while the host's loops are healthy, and STATUS= when the
// agents' counts change.
//
// Threads: only the host's control thread (the one that waits for the stop signal in `run`)
// calls beat(). That is the point: when that thread hangs, or the I/O loop stops taking
// commands, the keep-alives stop and systemd restarts the host. The sources must be callable
// from the control thread and must not wait on it.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/host_snapshot.hpp"

namespace agenthost::systemd {

class ServiceHeartbeat {
 public:
  using Clock = std::chrono::steady_clock;

  struct Settings {
    std::chrono::milliseconds status_every{1000};
    std::optional<std::chrono::microseconds> watchdog_timeout;  // WatchdogSec=; none: no pings
  };
  struct Sources {
    std::function<runtime::HostSnapshot()> snapshot;
    // True when the I/O loop took a command within the timeout (as /healthz asks).
    std::function<bool(std::chrono::milliseconds)> loop_responsive;
  };
  struct Outputs {
    std::function<void(std::string_view)> status;
    std::function<void()> watchdog;
  };

  // Right after READY=1: the agents' counts now are what READY=1's status described.
  ServiceHeartbeat(Settings settings, Sources sources, Outputs outputs,
                   Clock::time_point now = Clock::now());

  // When beat() has something to do next.
  Clock::time_point next_due() const;
  // Sends what is due at `now`: the status if it changed, the keep-alive if the loops answer.
  void beat(Clock::time_point now = Clock::now());

  // Half of WatchdogSec (systemd's advice), and how long the I/O loop may take to answer
  // before a keep-alive is withheld: /healthz's 250 ms, at most a quarter of WatchdogSec.
  std::optional<std::chrono::milliseconds> watchdog_period() const { return watchdog_period_; }
  std::chrono::milliseconds loop_timeout() const { return loop_timeout_; }

 private:
  void send_status();
  void keep_alive();

  const Settings settings_;
  const Sources sources_;
  const Outputs outputs_;
  std::optional<std::chrono::milliseconds> watchdog_period_;
  std::chrono::milliseconds loop_timeout_{250};
  Clock::time_point next_status_;
  Clock::time_point next_watchdog_ = Clock::time_point::max();
  std::string last_status_;
  int withheld_ = 0;  // keep-alives withheld in a row
};

}  // namespace agenthost::systemd
