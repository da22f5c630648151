#pragma once
// libsystemd (Debian's libsystemd0), opened with dlopen() the first time the host finds
// itself run by systemd (NOTIFY_SOCKET set) instead of being linked: it and the six
// libraries it needs (gcrypt, lz4, zstd, lzma, cap, gpg-error) cost every start ~2 ms of
// loading in this VM (bench/startup), for two functions that only matter under systemd.
// The signatures are sd-daemon.h's own.

#include <cstdint>
#include <string>

namespace agenthost::systemd {

struct SystemdLibrary {
  int (*notify)(int unset_environment, const char* state);             // sd_notify(3)
  int (*watchdog_enabled)(int unset_environment, std::uint64_t* usec);  // sd_watchdog_enabled(3)
};

// The library, opened by the first call (from any thread). nullptr when it cannot be opened;
// `why` then says what is missing and what to install.
const SystemdLibrary* systemd_library(std::string* why = nullptr);

}  // namespace agenthost::systemd
