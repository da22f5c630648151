#include "systemd/systemd_notifier.hpp"

#include <cstdlib>
#include <cstring>

#include <spdlog/spdlog.h>

#include "systemd/systemd_library.hpp"

namespace agenthost::systemd {
namespace {

// A STATUS= value is one line of the datagram's newline-separated assignments.
std::string one_line(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c == '\n' || c == '\r') c = ' ';
  return out;
}

}  // namespace

SystemdNotifier::SystemdNotifier() {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  if (!socket || !*socket) return;
  std::string why;
  library_ = systemd_library(&why);
  if (!library_) {
    // systemd waits for READY=1 until TimeoutStartSec= and then stops the service: say why.
    spdlog::error("systemd: NOTIFY_SOCKET is set but {}; systemd will not hear READY=1 or keep-alives", why);
    return;
  }
  enabled_ = true;
  socket_ = socket;
  // Positive only when WATCHDOG_USEC is set and WATCHDOG_PID is unset or this process's.
  // The environment stays as it is: sd_notify reads NOTIFY_SOCKET at every call.
  std::uint64_t usec = 0;
  const int r = library_->watchdog_enabled(0, &usec);
  if (r > 0 && usec > 0) {
    watchdog_ = std::chrono::microseconds(usec);
  } else if (r < 0) {
    spdlog::warn("systemd: WATCHDOG_USEC/WATCHDOG_PID are not valid ({}); no watchdog keep-alives",
                 std::strerror(-r));
  }
}

void SystemdNotifier::ready(std::string_view status) {
  send("READY=1\nSTATUS=" + one_line(status));
}

void SystemdNotifier::status(std::string_view text) { send("STATUS=" + one_line(text)); }

void SystemdNotifier::stopping(std::string_view status) {
  send("STOPPING=1\nSTATUS=" + one_line(status));
}

void SystemdNotifier::reloading(std::string_view status) {
  send("RELOADING=1\nSTATUS=" + one_line(status));
}

void SystemdNotifier::watchdog() {
  if (watchdog_) send("WATCHDOG=1");
}

void SystemdNotifier::send(const std::string& message) {
  if (!enabled_) return;
  const int r = library_->notify(0, message.c_str());
  if (r < 0 && !warned_.exchange(true)) {
    spdlog::warn("systemd: cannot notify {}: {} (further failures are not logged)", socket_,
                 std::strerror(-r));
  }
}

}  // namespace agenthost::systemd
