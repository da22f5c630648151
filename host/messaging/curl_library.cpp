#include "messaging/curl_library.hpp"

#include "loader/system_library.hpp"

namespace agenthost::messaging {
namespace {

// The soname Debian's libcurl4 (and libcurl3-gnutls' sibling) installs: the ABI of
// libcurl-dev's headers this file is built with.
constexpr const char* kSoname = "libcurl.so.4";

struct Opened {
  CurlLibrary library{};
  std::string error;  // "" when opened
};

Opened open_library() {
  Opened opened;
  // Never closed: curl's global state and its threads' handles live as long as the process.
  loader::SystemLibrary curl(kSoname, "libcurl4");
  auto& l = opened.library;
  CURLcode (*global_init)(long) = nullptr;
  curl.find("curl_global_init", global_init);
  curl.find("curl_easy_init", l.easy_init);
  curl.find("curl_easy_cleanup", l.easy_cleanup);
  curl.find("curl_easy_reset", l.easy_reset);
  curl.find("curl_easy_setopt", l.easy_setopt);
  curl.find("curl_easy_perform", l.easy_perform);
  curl.find("curl_easy_getinfo", l.easy_getinfo);
  curl.find("curl_easy_strerror", l.easy_strerror);
  curl.find("curl_slist_append", l.slist_append);
  curl.find("curl_slist_free_all", l.slist_free_all);
  opened.error = curl.error();
  if (opened.error.empty() && global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) opened.error = "curl_global_init failed";
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
