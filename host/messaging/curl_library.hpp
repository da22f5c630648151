#pragma once
// libcurl (Debian's libcurl4), opened with dlopen() when the etcd registry backend first needs
// it instead of being linked: it brings some 25 more shared libraries (TLS, LDAP, SSH, IDN,
// ...) whose loading cost every host ~10 ms of its start-up in this VM (bench/startup), for a
// backend most hosts do not use. The types and constants are curl's own headers'.

#include <string>

#include <curl/curl.h>

namespace agenthost::messaging {

struct CurlLibrary {
  CURL* (*easy_init)();
  void (*easy_cleanup)(CURL*);
  void (*easy_reset)(CURL*);
  CURLcode (*easy_setopt)(CURL*, CURLoption, ...);
  CURLcode (*easy_perform)(CURL*);
  CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...);
  const char* (*easy_strerror)(CURLcode);
  curl_slist* (*slist_append)(curl_slist*, const char*);
  void (*slist_free_all)(curl_slist*);
};

// The library, opened and initialised (curl_global_init) by the first call, from any thread.
// nullptr when it cannot be opened; `why` then says what is missing and what to install.
const CurlLibrary* curl_library(std::string* why = nullptr);

}  // namespace agenthost::messaging
