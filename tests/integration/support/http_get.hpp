#pragma once
// A tiny blocking HTTP/1.1 client for the admin listener: one request per connection
// (`Connection: close`), loopback only, every step bounded by one deadline. The tests use it
// instead of curl so that they depend on nothing but the host under test.

#include <chrono>
#include <map>
#include <string>

namespace agenthost::testing {

struct HttpResponse {
  int status = 0;                              // 0: no answer (see error)
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  std::string error;                           // why there is no answer
  std::chrono::milliseconds took{0};           // connect to last byte
};

// `url` is "http://IPV4:PORT/path?query"; no DNS, no TLS, no redirects.
HttpResponse http_request(const std::string& method, const std::string& url,
                          std::chrono::milliseconds timeout = std::chrono::seconds(5));

inline HttpResponse http_get(const std::string& url,
                             std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  return http_request("GET", url, timeout);
}

}  // namespace agenthost::testing
