#include "systemd/service_heartbeat.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "systemd/service_status.hpp"

namespace agenthost::systemd {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

ServiceHeartbeat::ServiceHeartbeat(Settings settings, Sources sources, Outputs outputs,
                                   Clock::time_point now)
    : settings_(std::move(settings)),
      sources_(std::move(sources)),
      outputs_(std::move(outputs)),
      next_status_(now + settings_.status_every) {
  if (settings_.watchdog_timeout) {
    const auto timeout = std::max(milliseconds(2), duration_cast<milliseconds>(*settings_.watchdog_timeout));
    watchdog_period_ = timeout / 2;
    loop_timeout_ = std::min(loop_timeout_, std::max(milliseconds(1), timeout / 4));
    next_watchdog_ = now;  // systemd arms the watchdog at READY=1: the first one at once
  }
  // READY=1 said how start-up went; that stays until the counts change.
  last_status_ = running_status(count_agents(sources_.snapshot()));
}

ServiceHeartbeat::Clock::time_point ServiceHeartbeat::next_due() const {
  return std::min(next_status_, next_watchdog_);
}

void ServiceHeartbeat::beat(Clock::time_point now) {
  if (now >= next_status_) {
    send_status();
    next_status_ = now + settings_.status_every;
  }
  if (now >= next_watchdog_) {
    keep_alive();
    // From when it was due, so that the time the loop took to answer does not add up; never
    // in the past, so that a late beat does not make a burst.
    next_watchdog_ = std::max(next_watchdog_ + *watchdog_period_, now);
  }
}

void ServiceHeartbeat::send_status() {
  auto text = running_status(count_agents(sources_.snapshot()));
  if (text == last_status_) return;
  outputs_.status(text);
  last_status_ = std::move(text);
}

void ServiceHeartbeat::keep_alive() {
  if (!sources_.loop_responsive(loop_timeout_)) {
    // Withheld: if the loop stays stuck, systemd's WatchdogSec runs out and it restarts the host.
    if (withheld_++ == 0)
      spdlog::warn("systemd watchdog: the I/O loop did not answer within {} ms; WATCHDOG=1 "
                   "withheld until it does",
                   loop_timeout_.count());
    return;
  }
  if (withheld_ > 0) {
    spdlog::info("systemd watchdog: the I/O loop answers again ({} keep-alive(s) withheld)",
                 withheld_);
    withheld_ = 0;
  }
  outputs_.watchdog();
}

}  // namespace agenthost::systemd
