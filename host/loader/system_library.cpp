#include "loader/system_library.hpp"

#include <fmt/format.h>

namespace agenthost::loader {

SystemLibrary::SystemLibrary(const char* soname, const char* package) : soname_(soname) {
  // RTLD_LOCAL: its symbols stay out of the plugins' way.
  handle_ = ::dlopen(soname, RTLD_NOW | RTLD_LOCAL);
  if (!handle_) {
    const char* why = ::dlerror();
    error_ = fmt::format("cannot load {} ({}): install Debian's {}", soname, why ? why : "unknown", package);
  }
}

void SystemLibrary::missing(const char* name) {
  if (error_.empty()) error_ = fmt::format("{} has no symbol {}", soname_, name);
}

}  // namespace agenthost::loader
