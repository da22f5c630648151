#include "messaging/curl_library.hpp"

#include <dlfcn.h>

#include <fmt/format.h>

namespace agenthost::messaging {
namespace {

// The soname Debian's libcurl4 (and libcurl3-gnutls' sibling) installs: the ABI of
// libcurl-dev's headers this file is built with.
constexpr const char* kSoname = "libcurl.so.4";

struct Opened {
  CurlLibrary library{};
  std::string error;  // "" when opened
};

// The first symbol missing is the error.
template <class Function>
void find(void* handle, const char* name, Function& into, std::string& error) {
  into = reinterpret_cast<Function>(::dlsym(handle, name));
  if (!into && error.empty()) error = fmt::format("{} has no symbol {}", kSoname, name);
}

Opened open_library() {
  Opened opened;
  // Never closed: curl's global state and its threads' handles live as long as the process.
  void* handle = ::dlopen(kSoname, RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* why = ::dlerror();
    opened.error = fmt::format("cannot load {} ({}): install Debian's libcurl4", kSoname, why ? why : "unknown");
    return opened;
  }
  auto& l = opened.library;
  auto& e = opened.error;
  CURLcode (*global_init)(long) = nullptr;
  find(handle, "curl_global_init", global_init, e);
  find(handle, "curl_easy_init", l.easy_init, e);
  find(handle, "curl_easy_cleanup", l.easy_cleanup, e);
  find(handle, "curl_easy_reset", l.easy_reset, e);
  find(handle, "curl_easy_setopt", l.easy_setopt, e);
  find(handle, "curl_easy_perform", l.easy_perform, e);
  find(handle, "curl_easy_getinfo", l.easy_getinfo, e);
  find(handle, "curl_easy_strerror", l.easy_strerror, e);
  find(handle, "curl_slist_append", l.slist_append, e);
  find(handle, "curl_slist_free_all", l.slist_free_all, e);
  if (e.empty() && global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) e = "curl_global_init failed";
  return opened;
}

}  // namespace

const CurlLibrary* curl_library(std::string* why) {
  static const Opened opened = open_library();  // once, thread-safe
  if (!opened.error.empty()) {
    if (why) *why = opened.error;
    return nullptr;
  }
  return &opened.library;
}

}  // namespace agenthost::messaging
