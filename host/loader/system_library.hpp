#pragma once
// A system library the host opens with dlopen() when a feature first needs it, instead of
// linking it: libcurl for the etcd backend, libsystemd under systemd. Every library linked
// is loaded at every start, with all that it needs in turn.

#include <dlfcn.h>

#include <string>

namespace agenthost::loader {

class SystemLibrary {
 public:
  // Opens `soname` (never closed: its functions may be called until the process exits).
  // `package` is the Debian package to name when it cannot be opened.
  SystemLibrary(const char* soname, const char* package);

  // Sets `into` to the function `name`; a missing one becomes error().
  template <class Function>
  void find(const char* name, Function& into) {
    into = handle_ ? reinterpret_cast<Function>(::dlsym(handle_, name)) : nullptr;
    if (!into) missing(name);
  }

  // "" when the library and every function asked for were found; else the first problem.
  const std::string& error() const { return error_; }

 private:
  void missing(const char* name);

  const char* soname_;
  void* handle_ = nullptr;
  std::string error_;
};

}  // namespace agenthost::loader
