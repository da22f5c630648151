#pragma once
// What the host tells systemd (sd_notify(3)): READY=1 when start-up has finished, STATUS=
// lines, STOPPING=1, RELOADING=1 and WATCHDOG=1 keep-alives. Without NOTIFY_SOCKET (not run
// by systemd, or not Type=notify) every call does nothing, so the host behaves the same
// either way. libsystemd itself is opened only then (systemd_library.hpp).
//
// Threads: the environment is read once, in the constructor; every call may then come from
// any thread (sd_notify opens a socket of its own for each message). The host sends them all
// from its control thread, so that the messages keep their order.

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace agenthost::systemd {

struct SystemdLibrary;

class SystemdNotifier {
 public:
  SystemdNotifier();  // reads NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID

  bool enabled() const noexcept { return enabled_; }
  std::string_view socket() const noexcept { return socket_; }
  // WatchdogSec= of the unit, when systemd expects WATCHDOG=1 from this process.
  std::optional<std::chrono::microseconds> watchdog_timeout() const noexcept { return watchdog_; }

  void ready(std::string_view status);  // READY=1 with STATUS=
  void status(std::string_view text);
  void stopping(std::string_view status);
  void reloading(std::string_view status);  // for hot reload (issue 4); READY=1 ends it
  void watchdog();

 private:
  void send(const std::string& message);

  const SystemdLibrary* library_ = nullptr;  // opened only when NOTIFY_SOCKET is set
  bool enabled_ = false;
  std::string socket_;
  std::optional<std::chrono::microseconds> watchdog_;
  std::atomic<bool> warned_{false};  // a failed send is logged once, not every keep-alive
};

}  // namespace agenthost::systemd
