#include "systemd/systemd_library.hpp"

#include <type_traits>

#include <systemd/sd-daemon.h>

#include "loader/system_library.hpp"

namespace agenthost::systemd {
namespace {

// The soname of Debian's libsystemd0: the ABI of the sd-daemon.h this file is built with.
constexpr const char* kSoname = "libsystemd.so.0";

// SystemdLibrary's pointers must have sd-daemon.h's types, or a call through them is undefined.
static_assert(std::is_same_v<decltype(&::sd_notify), decltype(SystemdLibrary::notify)>);
static_assert(std::is_same_v<decltype(&::sd_watchdog_enabled), decltype(SystemdLibrary::watchdog_enabled)>);

struct Opened {
  SystemdLibrary library{};
  std::string error;  // "" when opened
};

Opened open_library() {
  Opened opened;
  loader::SystemLibrary systemd(kSoname, "libsystemd0");
  systemd.find("sd_notify", opened.library.notify);
  systemd.find("sd_watchdog_enabled", opened.library.watchdog_enabled);
  opened.error = systemd.error();
  return opened;
}

}  // namespace

const SystemdLibrary* systemd_library(std::string* why) {
  static const Opened opened = open_library();  // once, thread-safe
  if (!opened.error.empty()) {
    if (why) *why = opened.error;
    return nullptr;
  }
  return &opened.library;
}

}  // namespace agenthost::systemd
