#pragma once
// A keep-alive HTTP/1.1 GET client on one loopback connection: just enough to time the
// admin listener's answers without a connection set-up in each sample.

#include <chrono>
#include <string>

namespace agenthost::bench {

class HttpConnection {
 public:
  HttpConnection(const std::string& ip, int port);  // throws on failure
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  struct Response {
    int status = 0;
    std::string body;
  };
  // Throws on a broken connection or when no full answer came within `timeout`.
  Response get(const std::string& path, std::chrono::milliseconds timeout);

 private:
  int fd_ = -1;
  std::string buffer_;  // bytes read past the previous answer
};

}  // namespace agenthost::bench
